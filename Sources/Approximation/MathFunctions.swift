#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Thin wrappers over libm so the rest of the module names what it computes.
@inlinable func cosine(_ x: Double) -> Double { cos(x) }
@inlinable func exponential(_ x: Double) -> Double { exp(x) }
@inlinable func naturalLog(_ x: Double) -> Double { log(x) }
@inlinable func errorFunction(_ x: Double) -> Double { erf(x) }
@inlinable func hyperbolicTangent(_ x: Double) -> Double { tanh(x) }
@inlinable func sine(_ x: Double) -> Double { sin(x) }
@inlinable func power(_ x: Double, _ y: Double) -> Double { pow(x, y) }
