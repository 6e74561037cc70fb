import CloudInit
import Testing

@Suite("meta-data")
struct MetaDataTests {
    @Test("renders instance-id and local-hostname")
    func golden() throws {
        let yaml = try MetaData(instanceID: "iid-worker-1", localHostname: "worker-1").yaml()
        #expect(yaml == "instance-id: iid-worker-1\nlocal-hostname: worker-1\n")
    }

    @Test("leaves local-hostname out when not set")
    func withoutHostname() throws {
        #expect(try MetaData(instanceID: "iid-1").yaml() == "instance-id: iid-1\n")
    }

    @Test("ids that look like YAML numbers, booleans or syntax stay strings", arguments: [
        "0123", "1:20", "yes", "null", "- x", "a: b", "#x", "&anchor", "*alias", "ünï-卷",
    ])
    func idsStayStrings(id: String) throws {
        let yaml = try MetaData(instanceID: id).yaml()
        let parsed = try #require(try Fixtures.load(yaml) as? [String: Any])
        #expect(parsed["instance-id"] as? String == id)
    }

    @Test("refuses empty or multi-line ids and invalid host names", arguments: [
        (MetaData(instanceID: ""), "instance-id"),
        (MetaData(instanceID: "a\nb"), "instance-id"),
        (MetaData(instanceID: "i", localHostname: "bad_host"), "local-hostname"),
        (MetaData(instanceID: "i", localHostname: "-x"), "local-hostname"),
        (MetaData(instanceID: "i", localHostname: String(repeating: "a", count: 64)), "local-hostname"),
    ])
    func refused(metaData: MetaData, field: String) {
        #expect { try metaData.yaml() } throws: { ($0 as? CloudInitError)?.field == field }
    }
}
