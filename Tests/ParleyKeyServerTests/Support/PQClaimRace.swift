import Testing

/// One PQ claim's answer: the status and the PQ prekey handed out, if any.
typealias PQClaimOutcome = (status: Int, pqPreKey: (key: String, lastResort: Bool)?)

/// `attempts` concurrent claims, each made by `claim(attempt)` (any server, any claimer).
func concurrentPQClaims(attempts: Int = 200, _ claim: @escaping @Sendable (Int) async throws -> Reply) async throws
    -> [PQClaimOutcome]
{
    try await withThrowingTaskGroup(of: PQClaimOutcome.self) { group in
        for attempt in 0..<attempts {
            group.addTask {
                let reply = try await claim(attempt)
                return (reply.status, claimedPQPreKey(reply))
            }
        }
        var all: [PQClaimOutcome] = []
        for try await outcome in group { all.append(outcome) }
        return all
    }
}

/// Every claim was answered with a PQ prekey; each uploaded one-time PQ prekey went out exactly
/// once and every other claim got the last-resort key.
func expectPQExactlyOnce(_ outcomes: [PQClaimOutcome], uploaded: [String], lastResort: String, attempts: Int = 200) {
    #expect(outcomes.count == attempts)
    #expect(outcomes.allSatisfy { $0.status == 200 })
    let oneTime = outcomes.compactMap { $0.pqPreKey?.lastResort == false ? $0.pqPreKey?.key : nil }
    #expect(oneTime.count == uploaded.count)
    #expect(Set(oneTime).count == uploaded.count)
    #expect(Set(oneTime) == Set(uploaded))
    let fallbacks = outcomes.compactMap { $0.pqPreKey?.lastResort == true ? $0.pqPreKey?.key : nil }
    #expect(fallbacks.count == attempts - uploaded.count)
    #expect(fallbacks.allSatisfy { $0 == lastResort })
}
