import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { stringify } from "yaml";

/** A kubeconfig's user entry, as YAML writes it. */
export type KubeUser = Record<string, unknown>;

/** A one-cluster kubeconfig text with the given user. */
export function kubeconfigText(user: KubeUser, options: { server?: string; caData?: string } = {}): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "target",
        cluster: {
          server: options.server ?? "https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com",
          "certificate-authority-data": options.caData ?? Buffer.from("not a real CA").toString("base64"),
        },
      },
    ],
    users: [{ name: "arn:aws:eks:eu-west-1:111122223333:cluster/prod", user }],
    contexts: [
      {
        name: "ctx",
        context: { cluster: "target", user: "arn:aws:eks:eu-west-1:111122223333:cluster/prod" },
      },
    ],
    "current-context": "ctx",
  });
}

/** The exec user `aws eks update-kubeconfig --name <cluster> --region <region>` writes. */
export function awsExecUser(cluster: string, region: string | undefined, extra: string[] = []): KubeUser {
  return {
    exec: {
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: [
        ...(region ? ["--region", region] : []),
        "eks",
        "get-token",
        "--cluster-name",
        cluster,
        ...extra,
      ],
      env: [{ name: "AWS_PROFILE", value: "ops" }],
      interactiveMode: "IfAvailable",
      provideClusterInfo: false,
    },
  };
}

/**
 * Secrets Manager stand-in: secret name -> text, or an error to throw. `calls` counts GetSecretValue requests.
 */
export function fakeSecrets(values: Map<string, string | Error>): SecretsManagerClient & { calls: number } {
  const client = {
    calls: 0,
    async send(command: unknown) {
      if (!(command instanceof GetSecretValueCommand)) throw new Error("unexpected command");
      client.calls++;
      const value = values.get(command.input.SecretId as string);
      if (value instanceof Error) throw value;
      if (value === undefined) {
        throw new ResourceNotFoundException({
          message: "Secrets Manager can't find the specified secret.",
          $metadata: {},
        });
      }
      return { SecretString: value };
    },
  };
  return client as unknown as SecretsManagerClient & { calls: number };
}
