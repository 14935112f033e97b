// optimizers.cl — parameter updates over one flat buffer holding every layer's
// parameters: P[0, nDecay) are the weights (weight decay applies), P[nDecay, n) the biases.
// G is the gradient of the mean loss, laid out like P, and the rule's state buffers too.
// Every buffer X starts at element offX. One work-item per parameter.

// y = alpha·x + beta·y over n elements from the given offsets: the second half of a step
// whose gradient was fused into the backward pass (momentum: p += v).
kernel void axpby(const int n, const real alpha, global const real* X, const int offX,
                  const real beta, global real* Y, const int offY) {
    const int i = get_global_id(0);
    if (i >= n) { return; }
    Y[offY + i] = alpha * X[offX + i] + beta * Y[offY + i];
}

// SGD: p −= lr·(g + wd·p)
kernel void sgd_update(const int n, const int nDecay, global real* P, const int offP,
                       global const real* G, const int offG, const real lr, const real wd) {
    const int i = get_global_id(0);
    if (i >= n) { return; }
    P += offP;
    G += offG;
    const real g = G[i] + (i < nDecay ? wd * P[i] : (real)0);
    P[i] -= lr * g;
}

// Momentum (the "inertia" term): v = μ·v − lr·g; p += v.
// Nesterov (Sutskever's form): v = μ·v − lr·g; p += μ·v − lr·g.
kernel void momentum_update(const int n, const int nDecay, global real* P, const int offP,
                            global const real* G, const int offG, global real* V, const int offV,
                            const real lr, const real mu, const real wd, const int nesterov) {
    const int i = get_global_id(0);
    if (i >= n) { return; }
    P += offP;
    G += offG;
    V += offV;
    const real g = G[i] + (i < nDecay ? wd * P[i] : (real)0);
    const real v = mu * V[i] - lr * g;
    V[i] = v;
    P[i] += nesterov ? mu * v - lr * g : v;
}

// Adam with decoupled weight decay (AdamW). c1 = 1/(1−β1ᵗ), c2 = 1/(1−β2ᵗ) come from the host.
kernel void adam_update(const int n, const int nDecay, global real* P, const int offP,
                        global const real* G, const int offG, global real* M, const int offM,
                        global real* V, const int offV, const real lr, const real beta1,
                        const real beta2, const real eps, const real c1, const real c2,
                        const real wd) {
    const int i = get_global_id(0);
    if (i >= n) { return; }
    P += offP;
    G += offG;
    M += offM;
    V += offV;
    const real g = G[i];
    const real m = beta1 * M[i] + (1 - beta1) * g;
    const real v = beta2 * V[i] + (1 - beta2) * g * g;
    M[i] = m;
    V[i] = v;
    real p = P[i];
    if (i < nDecay) { p -= lr * wd * p; }
    P[i] = p - lr * (m * c1) / (sqrt(v * c2) + eps);
}

// Quickprop (Fahlman) as FANN runs it: S = −samples·g + decay·p is FANN's slope (the summed
// negative gradient; every parameter decays, as FANN's bias weights do), ε = lr/samples,
// shrink = μ/(1+μ); the step depends on the sign of the previous one; |p| ≤ 1500.
kernel void quickprop_update(const int n, global real* P, const int offP,
                             global const real* G, const int offG, global real* Dprev, const int offD,
                             global real* Sprev, const int offS, const real lr, const real samples,
                             const real decay, const real mu) {
    const int i = get_global_id(0);
    if (i >= n) { return; }
    P += offP;
    G += offG;
    Dprev += offD;
    Sprev += offS;
    const real epsilon = lr / samples, shrink = mu / (1 + mu);
    const real w = P[i], step = Dprev[i], previous = Sprev[i];
    const real slope = -samples * G[i] + decay * w;
    real next = 0;
    if (step > (real)0.001) {
        if (slope > 0) { next += epsilon * slope; }
        next += slope > shrink * previous ? mu * step : step * slope / (previous - slope);
    } else if (step < (real)-0.001) {
        if (slope < 0) { next += epsilon * slope; }
        next += slope < shrink * previous ? mu * step : step * slope / (previous - slope);
    } else {
        next += epsilon * slope;
    }
    Dprev[i] = next;
    P[i] = fmin(fmax(w + next, (real)-1500), (real)1500);
    Sprev[i] = slope;
}

// iRPROP− (Igel & Hüsken): a per-weight step S adapted by the sign of g·g_prev.
// Sign kept: S grows by etaPlus; sign flipped: S shrinks by etaMinus and the stored
// gradient is zeroed, so no step is taken now and the next one is not penalised again.
kernel void rprop_update(const int n, const int nDecay, global real* P, const int offP,
                         global const real* G, const int offG, global real* Gprev, const int offGprev,
                         global real* S, const int offS, const real etaPlus,
                         const real etaMinus, const real stepMin, const real stepMax,
                         const real wd) {
    const int i = get_global_id(0);
    if (i >= n) { return; }
    P += offP;
    G += offG;
    Gprev += offGprev;
    S += offS;
    real g = G[i] + (i < nDecay ? wd * P[i] : (real)0);
    const real sgn = g * Gprev[i];
    real s = S[i];
    if (sgn > 0) {
        s = fmin(s * etaPlus, stepMax);
    } else if (sgn < 0) {
        s = fmax(s * etaMinus, stepMin);
        g = 0;
    }
    S[i] = s;
    Gprev[i] = g;
    P[i] -= sign(g) * s;
}
