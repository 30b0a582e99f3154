// `k8ts` command line: the usage text and the dispatch to a subcommand. Each subcommand's module
// is loaded only when asked for, so light commands (token, kubeconfig, dns) do not pay for the
// control plane's module graph.

const USAGE = `Usage: k8ts <command> [flags]

Commands:
  server    Run a control plane (API server with its datastore), and by default a node agent
  agent     Run a node agent (containerd, CNI, kubelet) joined to a server
  token     Create, list or delete bootstrap tokens for joining nodes
  kubeconfig  Write a kubeconfig for a new user (--user NAME --group G)
  sim       Run simulated nodes against a server (--server URL --kubeconfig PATH --count N)
  dns       Serve one node's cluster DNS (what the agent's coredns static pod runs)

Server flags:
  --data-dir DIR             state directory (default /var/lib/k8ts as root, ~/.k8ts otherwise)
  --https-port PORT          API server port (default 6443)
  --bind-address ADDR        address to listen on (default 0.0.0.0)
  --tls-san NAME             extra name or IP for the serving certificate (repeatable)
  --datastore-endpoint URL   etcd://host:port[,host:port...] (default: SQLite in the data dir)
  --service-cidr CIDR        Service IP range (default 10.43.0.0/16)
  --cluster-cidr CIDR        Pod IP range (default 10.42.0.0/16)
  --cluster-domain NAME      the cluster DNS zone (default cluster.local)
  --no-agent                 run the control plane only
  --node-name NAME           the local node's name (default: the host name)
  --node-ip IP               the local node's address (default: the host's primary IPv4 address)
  --kubelet-port PORT        the kubelet API port (default 10250)
  --cni-bridge NAME          the pod bridge (default cni0); lets several clusters share one host
  --remove-pods-on-stop      stop and remove every pod sandbox when the server stops
  --host-gw                  route other nodes' pod ranges via their node addresses (joined agents: k8ts agent --host-gw)
  --ingress-http-port PORT   the built-in ingress controller's HTTP port on the node address (default 80)
  --ingress-https-port PORT  its HTTPS port (default 443)
  --no-ingress               do not run the built-in ingress controller
  --cluster-signing-duration D  longest certificate the CSR signers issue (default 8760h)
  --kubelet-client-certificate-duration D  node client certificate lifetime (default: the signing duration)
  --sim-nodes N              register N simulated nodes (pods run without containers)
  --token-auth-file FILE     static bearer tokens (CSV: token,user,uid,"group1,group2")
  --encryption-provider-config FILE  EncryptionConfiguration for Secrets at rest (aescbc, aesgcm, secretbox, identity)
  --audit-log-path FILE      audit events as JSON lines; --audit-policy-file FILE selects levels
  --log-level LEVEL          trace|debug|info|warn|error (default info)
`;

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'server':
      return (await import('./server-command.js')).serverCommand(rest);
    case 'sim':
      return (await import('./sim-command.js')).simCommand(rest);
    case 'agent':
      return (await import('./agent-command.js')).agentCommand(rest);
    case 'token':
      return (await import('./token-command.js')).tokenCommand(rest);
    case 'kubeconfig':
      return (await import('./kubeconfig-command.js')).kubeconfigCommand(rest);
    case 'dns':
      return (await import('./dns-command.js')).dnsCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

