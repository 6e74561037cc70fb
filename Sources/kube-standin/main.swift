import KubeStandIn
// Placeholder until the stand-in program lands.
print("kube-standin: not built yet")
