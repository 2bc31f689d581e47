/// What a sealed value or a lookup hash is for. Each purpose has its own subkey of the store
/// key (crypto_kdf id = raw value), so a value sealed for one table cannot be opened as
/// another's even before the associated data is checked.
enum StorePurpose: UInt64, Sendable, CaseIterable {
    case identity = 1
    case signedPreKeys = 2
    case oneTimePreKeys = 3
    case sessions = 4
    case contacts = 5
    case conversations = 6
    case messages = 7
    case outbox = 8
    case attachments = 9
    case settings = 10
    case processedEnvelopes = 11
    /// Named secrets of the app (schema version 2 on; version 1 kept them in `settings`).
    case secrets = 12
    /// Parley-v2 PQ prekeys (seed, kind, signature, public key), by PQID.
    case pqPreKeys = 13
    /// The (last-resort PQID, EK_A) pairs already used: lookup hashes only, nothing sealed.
    case pqLastResortUses = 14
    /// Keyed BLAKE2b for lookup columns (peer ids, conversation ids, envelope ids, key ids).
    case lookup = 100

    /// The table whose rows are sealed for this purpose (also bound into the associated data).
    var table: String {
        switch self {
        case .identity: "identity"
        case .signedPreKeys: "signed_prekeys"
        case .oneTimePreKeys: "one_time_prekeys"
        case .sessions: "sessions"
        case .contacts: "contacts"
        case .conversations: "conversations"
        case .messages: "messages"
        case .outbox: "outbox"
        case .attachments: "attachments"
        case .settings: "settings"
        case .processedEnvelopes: "processed_envelopes"
        case .secrets: "secrets"
        case .pqPreKeys: "pq_prekeys"
        case .pqLastResortUses: "pq_last_resort_uses"
        case .lookup: "lookup"
        }
    }
}
