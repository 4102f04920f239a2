/// How far an approximation is from its reference over a set of sample points.
public struct ErrorStatistics: Sendable, Hashable, Codable {
    /// max |approx − exact|.
    public var maxAbsolute: Double
    /// Where the largest absolute error occurs.
    public var argmaxAbsolute: Double
    /// max |approx − exact| / |exact| over points where |exact| > `relativeFloor`.
    public var maxRelative: Double
    /// Where the largest relative error occurs.
    public var argmaxRelative: Double
    /// √(mean (approx − exact)²).
    public var rms: Double
    /// Number of points compared.
    public var samples: Int

    /// |exact| below this is excluded from the relative error (it would divide by ~0).
    public static let relativeFloor = 1e-300

    public init(maxAbsolute: Double = 0, argmaxAbsolute: Double = .nan, maxRelative: Double = 0,
                argmaxRelative: Double = .nan, rms: Double = 0, samples: Int = 0) {
        self.maxAbsolute = maxAbsolute
        self.argmaxAbsolute = argmaxAbsolute
        self.maxRelative = maxRelative
        self.argmaxRelative = argmaxRelative
        self.rms = rms
        self.samples = samples
    }

    /// Compares `approx[i]` with `exact[i]` at `points[i]`.
    public init(points: [Double], exact: [Double], approx: [Double]) {
        self.init()
        var sumSquares = 0.0
        for i in points.indices {
            let e = Swift.abs(approx[i] - exact[i])
            let err = e.isNaN ? Double.infinity : e
            sumSquares += err * err
            if err > maxAbsolute || argmaxAbsolute.isNaN { maxAbsolute = err; argmaxAbsolute = points[i] }
            if Swift.abs(exact[i]) > Self.relativeFloor {
                let rel = err / Swift.abs(exact[i])
                if rel > maxRelative || argmaxRelative.isNaN { maxRelative = rel; argmaxRelative = points[i] }
            }
        }
        samples = points.count
        rms = samples > 0 ? (sumSquares / Double(samples)).squareRoot() : 0
    }

    /// Measures `approx` against `f` on a uniform grid of `count` points of `interval`
    /// (plus its Chebyshev nodes, which cluster at the ends where errors peak).
    public init(of approx: (Double) -> Double, against f: TargetFunction, on interval: Interval, count: Int = 4001) {
        let points = (interval.uniformGrid(count: count) + interval.chebyshevNodes(count: count / 4)).sorted()
        self.init(points: points, exact: points.map(f.evaluate), approx: points.map(approx))
    }
}
