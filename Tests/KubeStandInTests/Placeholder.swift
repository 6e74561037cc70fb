import Testing
@testable import KubeStandIn
