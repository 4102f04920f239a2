import CGMP

/// Facts about the GMP library linked at run time.
public enum GMPInfo {
    /// GMP's version string (`gmp_version`), e.g. "6.2.1".
    public static var version: String { String(cString: __gmp_version) }
}
