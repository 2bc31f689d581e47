import Testing

/// One claim's answer: the status and the one-time prekey handed out, if any.
typealias ClaimOutcome = (status: Int, oneTimePreKey: String?)

/// `attempts` concurrent claims of `user`'s bundle, sent round robin through `apis` (one or more
/// server instances) by `claimers` (one claimer per `apis.count` attempts in turn).
func concurrentClaims(of user: String, through apis: [TestAPI], by claimers: [TestDevice], attempts: Int = 200)
    async throws -> [ClaimOutcome]
{
    try await withThrowingTaskGroup(of: ClaimOutcome.self) { group in
        for attempt in 0..<attempts {
            let api = apis[attempt % apis.count]
            let claimer = claimers[(attempt / apis.count) % claimers.count]
            group.addTask {
                let reply = try await api.call(.post, "/v1/keys/claim", json: ["user": user], as: claimer)
                let bundle = (reply.json["bundles"] as? [[String: Any]])?.first
                return (reply.status, bundle?["one_time_prekey"] as? String)
            }
        }
        var all: [ClaimOutcome] = []
        for try await outcome in group { all.append(outcome) }
        return all
    }
}

/// Every claim was answered and each uploaded key was handed out exactly once.
func expectExactlyOnce(_ outcomes: [ClaimOutcome], uploaded: [String], attempts: Int = 200) {
    #expect(outcomes.count == attempts)
    #expect(outcomes.allSatisfy { $0.status == 200 })
    let handedOut = outcomes.compactMap(\.oneTimePreKey)
    #expect(handedOut.count == uploaded.count)
    #expect(Set(handedOut).count == uploaded.count)
    #expect(Set(handedOut) == Set(uploaded))
}
