import Testing
import KubeStandIn
