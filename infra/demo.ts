import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CoreV1Api } from "@kubernetes/client-node";
import { KubeconfigStore } from "../lib/clusters/kubeconfig-store.ts";
import { loadStackConfig } from "./stack/config.ts";
import { stackEnvironment, stackInfo } from "./stack/stack-info.ts";

// The README's main command. It runs after `stack up` and shows the product's path to the cluster: the
// kubeconfig comes from Secrets Manager by cluster name, never from a file.
const info = stackInfo(loadStackConfig());
Object.assign(process.env, stackEnvironment(info));

const store = new KubeconfigStore(new SecretsManagerClient({}), { prefix: info.secretPrefix });
const kubeconfig = await store.get(info.clusterName);
const namespaces = await kubeconfig.makeApiClient(CoreV1Api).listNamespace();

console.log(`\ncluster "${info.clusterName}" reached through secret ${info.secretPrefix}${info.clusterName}`);
console.log(`namespaces: ${namespaces.items.map((ns) => ns.metadata?.name).join(", ")}`);
console.log(`\nLook around:
  export KUBECONFIG=${info.kubeconfigPath}     # any kubectl of v1.35
  psql '${info.postgresUrl}'
  source .stack/env.sh                          # AWS SDK and tenant-sync variables for the local stack
  npm run stack -- status | down`);
