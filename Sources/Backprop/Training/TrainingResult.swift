public struct TrainingResult: Sendable {
    public var epochs: [EpochReport]
    public var reason: StopReason
    public var last: EpochReport? { epochs.last }
}
