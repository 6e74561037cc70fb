// Placeholder until the KubeClient module lands.
