/// What the epoch loop does differently with several ranks: the gradient sum before each
/// update, the scalars every decision rests on, and rank 0's starting state.
extension Trainer {
    /// Gives every rank rank 0's parameters and optimizer state (fresh, from `--init` or
    /// resumed alike), once, before the first epoch.
    func synchronizeRanks() throws {
        guard communicator.size > 1, !synchronized else { return }
        if case .stochastic = options.mode {
            throw ConfigurationError([.init(.mode, "stochastic")],
                                     "with \(communicator.size) ranks, each update needs a block of a mini-batch from each; "
                                     + "stochastic mode has one sample per update (use minibatch or batch)")
        }
        var parameters = try network.readParameters()
        try communicator.broadcast(&parameters, root: 0)
        try network.writeParameters(parameters)
        var state = try optimizer.stateValues()
        for i in state.indices { try communicator.broadcast(&state[i], root: 0) }
        if !state.isEmpty { try optimizer.restore(state: state, steps: optimizer.steps) }
        synchronized = true
    }

    /// Sums the gradients over the ranks, in place: on the host's own memory for the CPU path,
    /// through one reusable host buffer for a device.
    func allReduceGradients() throws {
        guard communicator.size > 1 else { return }
        let n = network.architecture.parameterCount
        if let host = network.gradients as? CPUBuffer {
            try network.device.synchronize()
            let start = ContinuousClock.now
            try communicator.allReduceSum(host.pointer, count: n)
            gradientSumSeconds += (ContinuousClock.now - start).seconds
            gradientSums += 1
            return
        }
        if gradientStaging.count != n { gradientStaging = [Float](repeating: 0, count: n) }
        try gradientStaging.withUnsafeMutableBytes { try network.device.download(network.gradients.start, into: $0) }
        let start = ContinuousClock.now
        try gradientStaging.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0.baseAddress!, count: n) }
        gradientSumSeconds += (ContinuousClock.now - start).seconds
        gradientSums += 1
        try network.device.upload(gradientStaging, to: network.gradients.start)
    }

    /// A figure every rank computed for itself, made rank 0's on all (the devices may round
    /// differently, and decisions must agree).
    func shared(_ value: Double) throws -> Double {
        guard communicator.size > 1 else { return value }
        var values = [value]
        try communicator.broadcast(&values, root: 0)
        return values[0]
    }

    /// Whether any rank was asked to stop (a signal reaches one process): every rank stops.
    func stopRequested() throws -> Bool {
        let local = shouldStop?() ?? false
        guard communicator.size > 1 else { return local }
        var flag = [local ? 1.0 : 0]
        try communicator.allReduceSum(&flag)
        return flag[0] > 0
    }
}
