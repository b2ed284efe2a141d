// Resolves provider.vpc for serverless.yml: the VPC settings when subnet and security group ids are given
// (comma-separated parameters), otherwise null so the functions run outside any VPC and the role gets no
// network-interface permissions.
const split = (text) =>
  String(text ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");

module.exports = async ({ resolveVariable }) => {
  const subnetIds = split(await resolveVariable("param:subnetIds, ''"));
  const securityGroupIds = split(await resolveVariable("param:securityGroupIds, ''"));
  if (subnetIds.length === 0 && securityGroupIds.length === 0) return null;
  if (subnetIds.length === 0 || securityGroupIds.length === 0) {
    throw new Error("set both the subnetIds and the securityGroupIds parameters, or neither (no VPC)");
  }
  return { subnetIds, securityGroupIds };
};
