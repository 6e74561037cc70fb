/// Host files for libvirt's test driver: `test:///PATH` loads a whole host from one XML document
/// (its CPUs and memory, and the domains, networks and pools in it), afresh for every connection.
public enum TestDriverHost {
    /// The `<node>` document: 4 CPUs and 8 GiB, the given domain, network and pool elements, and
    /// (with `defaultNetwork`) a NAT network `default` on 192.168.122.0/24.
    public static func document(_ objects: [String], defaultNetwork: Bool = true) -> String {
        let network = """
              <network>
                <name>default</name>
                <bridge name='virbr0'/>
                <forward/>
                <ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip>
              </network>
            """
        return """
            <node>
              <cpu><mhz>2000</mhz><model>kinvm-test-cpu</model><active>4</active><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>1</threads></cpu>
              <memory>8388608</memory>
            \((objects + (defaultNetwork ? [network] : [])).joined(separator: "\n"))
            </node>
            """
    }

    /// A domain of 1 (at most 2) vCPUs and 512 MiB (at most 1 GiB) with one NIC on `default`:
    /// `metadata` is put in as given (e.g. kinvm's `<metadata><kinvm:instance …/></metadata>`);
    /// a domain that is not `running` is shut off.
    public static func domain(name: String, uuid: String? = nil, mac: String, metadata: String = "", running: Bool = true) -> String {
        """
              <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
                <name>\(name)</name>
                \(uuid.map { "<uuid>\($0)</uuid>" } ?? "")
                \(metadata)
                <memory unit='KiB'>1048576</memory>
                <currentMemory unit='KiB'>524288</currentMemory>
                <vcpu current='1'>2</vcpu>
                <os><type arch='x86_64'>hvm</type></os>
                <devices>
                  <interface type='network'><mac address='\(mac)'/><source network='default'/><alias name='ua-kinvm-nic0'/></interface>
                </devices>
                \(running ? "" : "<test:runstate>5</test:runstate>")
              </domain>
        """
    }
}
