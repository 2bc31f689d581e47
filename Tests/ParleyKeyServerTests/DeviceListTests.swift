import Foundation
import ParleyCrypto
import Testing

@testable import ParleyKeyServer

/// The account-signed device list (Specs/server-api.md §5.2) through the routes, on every
/// backend: stored only when the account key signed it, never older than the stored one, naming
/// only registered devices; handed out with the devices.
@Suite("Signed device lists")
struct DeviceListTests {
    @Test(arguments: Backend.allCases)
    func listsAreStoredOnlyWhenSignedNewerAndTrue(backend: Backend) async throws {
        try await withServer(backend) { api in
            let erin = TestAccount("erin")
            let first = try erin.device(1)
            let second = try erin.device(2)
            // The first list must name exactly the first device, under the account key.
            var body = erin.registration(first)
            for bad in [
                try erin.deviceList(version: 1, [first], signedBy: TestAccount("eve").accountKey),
                try erin.deviceList(version: 1, [first, second]), try erin.deviceList(version: 1, [second]),
            ] {
                body["device_list"] = bad
                #expect(try await api.call(.post, "/v1/accounts", json: body, as: first).errorCode == "invalid_device_list")
            }
            body["device_list"] = try erin.deviceList(version: 1, [first])
            #expect(try await api.call(.post, "/v1/accounts", json: body, as: first).status == 201)
            #expect(try await Self.listedVersion(api, as: first) == 1)

            // A linked device comes with the next list, which must name it.
            var link = try second.linkJSON()
            link["device_list"] = try erin.deviceList(version: 2, [first])
            #expect(try await api.call(.post, "/v1/devices", json: link, as: first).errorCode == "invalid_device_list")
            link["device_list"] = try erin.deviceList(version: 1, [first, second])
            #expect(try await api.call(.post, "/v1/devices", json: link, as: first).errorCode == "stale_device_list")
            #expect(try await Self.listedDevices(api, as: first) == [1])
            link["device_list"] = try erin.deviceList(version: 2, [first, second])
            #expect(try await api.call(.post, "/v1/devices", json: link, as: first).status == 201)
            #expect(try await Self.listedVersion(api, as: first) == 2)

            // Replacing it: newer, signed, and naming registered devices only.
            let stranger = try erin.device(3)
            let cases: [([String: Any], String)] = [
                (try erin.deviceList(version: 2, [first]), "stale_device_list"),
                (try erin.deviceList(version: 3, [first], signedBy: second.key), "invalid_device_list"),
                (try erin.deviceList(version: 3, [first, stranger]), "device_list_mismatch"),
            ]
            for (list, code) in cases {
                #expect(try await api.call(.put, "/v1/devices/list", json: list, as: second).errorCode == code)
            }
            #expect(try await Self.listedVersion(api, as: first) == 2)
            let dropped = try erin.deviceList(version: 3, [first])
            #expect(try await api.call(.put, "/v1/devices/list", json: dropped, as: second).status == 204)
            let answer = try await api.call(.get, "/v1/users/erin/devices", as: first)
            let list = try #require(answer.json["device_list"] as? [String: Any])
            #expect(list["version"] as? Int == 3)
            #expect((list["devices"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [1])
            #expect(list["signature"] as? String == dropped["signature"] as? String)
        }
    }

    private static func listedVersion(_ api: TestAPI, as device: TestDevice) async throws -> Int? {
        let answer = try await api.call(.get, "/v1/users/\(device.user)/devices", as: device)
        return (answer.json["device_list"] as? [String: Any])?["version"] as? Int
    }

    private static func listedDevices(_ api: TestAPI, as device: TestDevice) async throws -> [Int] {
        let answer = try await api.call(.get, "/v1/users/\(device.user)/devices", as: device)
        return (answer.json["devices"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
    }
}
