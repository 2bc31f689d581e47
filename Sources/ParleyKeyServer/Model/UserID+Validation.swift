import ParleyServerAPI

extension UserID {
    /// Validates a user id taken from a request or a stored row.
    /// - Throws: ``ServerError/invalidUserID`` when `rawValue` is not a user id.
    init(validating rawValue: String) throws(ServerError) {
        do {
            try self.init(rawValue)
        } catch {
            throw .invalidUserID
        }
    }
}
