// The wire contract shared with clients (user ids, device certificates, the request-signing
// input) lives in ParleyServerAPI; every user of the server library sees it too.
@_exported import ParleyServerAPI
