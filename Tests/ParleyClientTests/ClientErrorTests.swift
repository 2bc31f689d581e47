import Testing

@testable import ParleyClient

@Suite struct ClientErrorTests {
    @Test func everyMessageIsOneSentence() {
        let errors: [ClientError] = [
            .storeNotFound("/tmp/x"), .wrongPassphrase, .serverUnreachable("http://127.0.0.1:1"),
            .unknownUser("bob"), .safetyNumberChanged("bob"), .invalidLinkCode, .linkNotConfirmed, .linkConfirmationMismatch,
            .invalidBackup, .untrustedDeviceList("bob"), .ownAccountKeyChanged,
            .queuedWhileOffline(user: "bob", server: "http://127.0.0.1:1"),
            .firstMessageNeedsServer(user: "bob", server: "http://127.0.0.1:1"), .noPQPreKey(user: "bob", device: 2),
        ]
        for error in errors {
            let text = error.description
            #expect(!text.isEmpty && !text.contains("\n"), "\(text)")
            #expect(text.hasSuffix(".") || text.hasSuffix(")"), "\(text)")
        }
    }
}
