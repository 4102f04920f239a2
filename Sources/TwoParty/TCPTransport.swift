#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// One party's TCP connection to the other: length-prefixed frames (a 1-byte kind, an
/// 8-byte little-endian payload length, the payload), one frame per flight, Nagle off.
///
/// An exchange writes this party's frame and reads the peer's at the same time (poll on a
/// non-blocking socket), so two large frames never deadlock on full socket buffers. Every
/// wait is bounded by `timeout`; a closed connection, a frame of the wrong kind or length,
/// or one longer than `maximumFrameBytes` is a `TransportError`, never a hang or a trap.
public final class TCPTransport: Transport, @unchecked Sendable {
    /// The frame header: kind (1 byte) and payload length (8 bytes, little-endian).
    public static let headerBytes = 9
    /// The largest payload accepted (1 GiB): a larger announced length is malformed.
    public static let maximumFrameBytes = 1 << 30

    let fd: Int32
    /// Seconds without progress after which a wait fails.
    public let timeout: Double
    /// Who the peer is, for messages ("127.0.0.1:7100").
    public let peerName: String
    var tally = TransportCounters()
    /// The kind of the last frame read.
    var lastKind = FrameKind.protocolStep

    init(fd: Int32, timeout: Double, peerName: String) {
        self.fd = fd
        self.timeout = timeout
        self.peerName = peerName
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    deinit { Glibc.close(fd) }

    public var counters: TransportCounters { tally }

    /// Parses "HOST:PORT" (an IPv4 address or a name).
    static func address(_ text: String) throws(TransportError) -> sockaddr_in {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw TransportError("address '\(text)' is not HOST:PORT")
        }
        var host = String(text[..<colon])
        if host.isEmpty || host == "localhost" { host = "127.0.0.1" }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        if inet_pton(AF_INET, host, &a.sin_addr) != 1 {
            var hints = addrinfo()
            hints.ai_family = AF_INET
            var result: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, nil, &hints, &result) == 0, let r = result, let sa = r.pointee.ai_addr else {
                throw TransportError("cannot resolve host '\(host)'")
            }
            defer { freeaddrinfo(result) }
            sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a.sin_addr = $0.pointee.sin_addr }
        }
        return a
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Listens on `address` and accepts one peer (waiting at most `timeout` seconds).
    public static func accept(on address: String, timeout: Double) throws(TransportError) -> TCPTransport {
        try acceptAll(on: address, count: 1, timeout: timeout)[0]
    }

    /// Listens on `address` and accepts `count` peers (waiting at most `timeout` seconds for each).
    public static func acceptAll(on address: String, count: Int, timeout: Double) throws(TransportError) -> [TCPTransport] {
        var a = try Self.address(address)
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { throw TransportError("cannot open a socket: \(errnoText())") }
        var one: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        defer { Glibc.close(s) }
        let bound = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0 else { throw TransportError("cannot listen on \(address): \(errnoText())") }
        guard listen(s, Int32(count)) == 0 else { throw TransportError("cannot listen on \(address): \(errnoText())") }
        var peers = [TCPTransport]()
        while peers.count < count {
            var p = pollfd(fd: s, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(min(timeout * 1000, Double(Int32.max)))) > 0 else {
                throw TransportError("no peer connected to \(address) within \(Int(timeout)) s")
            }
            let c = Glibc.accept(s, nil, nil)
            guard c >= 0 else { throw TransportError("accepting on \(address) failed: \(errnoText())") }
            peers.append(TCPTransport(fd: c, timeout: timeout, peerName: "the peer connected to \(address)"))
        }
        return peers
    }

    /// A free TCP port on the loopback interface (bound to port 0 and released).
    public static func freePort() throws(TransportError) -> UInt16 {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { throw TransportError("cannot open a socket to find a free port: \(errnoText())") }
        defer { Glibc.close(s) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &a) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, len) == 0 && getsockname(s, $0, &len) == 0 }
        }
        guard ok else { throw TransportError("cannot find a free port on 127.0.0.1: \(errnoText())") }
        return UInt16(bigEndian: a.sin_port)
    }

    /// Connects to a listening peer, retrying until it listens or `timeout` seconds pass.
    public static func connect(to address: String, timeout: Double) throws(TransportError) -> TCPTransport {
        var a = try Self.address(address)
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard s >= 0 else { throw TransportError("cannot open a socket: \(errnoText())") }
            let r = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            if r == 0 { return TCPTransport(fd: s, timeout: timeout, peerName: address) }
            let reason = errnoText()
            Glibc.close(s)
            guard Date() < deadline else { throw TransportError("cannot connect to \(address) within \(Int(timeout)) s: \(reason)") }
            usleep(50_000)
        }
    }

    public func exchange(_ words: [UInt64], bytesPerWord: Int, kind: FrameKind) throws(TransportError) -> Flight {
        try transfer(words, bytesPerWord: bytesPerWord, kind: kind, receiving: words.count)
    }

    /// Writes a frame of `words` (nil: none) and reads one frame of `receiving` words
    /// (nil: none; -1: any length up to the frame limit), both at once.
    public func transfer(_ words: [UInt64]?, bytesPerWord: Int, kind: FrameKind, receiving: Int?, anyKind: Bool = false) throws(TransportError) -> Flight {
        guard (1...8).contains(bytesPerWord) else { throw TransportError("cannot send \(bytesPerWord)-byte words") }
        let sending = words != nil
        let words = words ?? []
        let payload = words.count * bytesPerWord
        guard payload <= Self.maximumFrameBytes else {
            throw TransportError("a \(kind) frame of \(payload) bytes is larger than the \(Self.maximumFrameBytes)-byte frame limit")
        }
        // Outgoing bytes: header, then the words (little-endian, `bytesPerWord` each).
        var out = [UInt8](repeating: 0, count: sending ? Self.headerBytes + payload : 0)
        if sending {
            out[0] = kind.rawValue
            for i in 0..<8 { out[1 + i] = UInt8(truncatingIfNeeded: UInt64(payload) >> UInt64(8 * i)) }
        }
        if !sending || payload == 0 {
        } else if bytesPerWord == 8 {
            words.withUnsafeBytes { src in out.withUnsafeMutableBytes { dst in
                dst.baseAddress!.advanced(by: Self.headerBytes).copyMemory(from: src.baseAddress!, byteCount: payload)
            } }
        } else {
            for (i, w) in words.enumerated() {
                for b in 0..<bytesPerWord { out[Self.headerBytes + i * bytesPerWord + b] = UInt8(truncatingIfNeeded: w >> UInt64(8 * b)) }
            }
        }
        var header = [UInt8](repeating: 0, count: Self.headerBytes)
        var incoming = [UInt8]()
        var written = 0, headerRead = 0, bodyRead = 0, expected = receiving == nil ? 0 : -1
        var lastProgress = Date()
        let expectedPayload = receiving.map { $0 < 0 ? -1 : $0 * bytesPerWord }
        while written < out.count || expected < 0 || bodyRead < expected {
            var fds = pollfd(fd: fd, events: Int16((written < out.count ? POLLOUT : 0) | (receiving != nil ? POLLIN : 0)), revents: 0)
            let ready = poll(&fds, 1, 1000)
            if ready < 0 {
                if errno == EINTR { continue }
                throw TransportError("waiting for \(peerName) failed: \(Self.errnoText())")
            }
            var progressed = false
            if written < out.count, fds.revents & Int16(POLLOUT) != 0 {
                let n = out.withUnsafeBytes { Glibc.send(fd, $0.baseAddress!.advanced(by: written), out.count - written, Int32(MSG_NOSIGNAL)) }
                if n > 0 { written += n; progressed = true } else if n < 0, errno != EAGAIN, errno != EINTR {
                    throw TransportError("sending a \(kind) frame to \(peerName) failed: \(Self.errnoText()) (the peer has gone)")
                }
            }
            if receiving != nil, fds.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                if expected < 0 {
                    let n = header.withUnsafeMutableBytes { recv(fd, $0.baseAddress!.advanced(by: headerRead), Self.headerBytes - headerRead, 0) }
                    try checkRead(n, kind: kind)
                    if n > 0 {
                        headerRead += n
                        progressed = true
                        if headerRead == Self.headerBytes {
                            expected = try validate(header: header, kind: anyKind ? nil : kind, payload: expectedPayload ?? 0)
                            incoming = [UInt8](repeating: 0, count: expected)
                        }
                    }
                } else if bodyRead < expected {
                    let n = incoming.withUnsafeMutableBytes { recv(fd, $0.baseAddress!.advanced(by: bodyRead), expected - bodyRead, 0) }
                    try checkRead(n, kind: kind)
                    if n > 0 { bodyRead += n; progressed = true }
                }
            }
            if progressed {
                lastProgress = Date()
            } else if Date().timeIntervalSince(lastProgress) > timeout {
                throw TransportError("\(peerName) sent nothing for \(Int(timeout)) s during a \(kind) exchange (a hung or different peer)")
            }
        }
        var theirs = [UInt64](repeating: 0, count: expected / bytesPerWord)
        if bytesPerWord == 8 {
            theirs.withUnsafeMutableBytes { dst in incoming.withUnsafeBytes { dst.copyMemory(from: $0) } }
        } else {
            for i in 0..<theirs.count {
                var w: UInt64 = 0
                for b in 0..<bytesPerWord { w |= UInt64(incoming[i * bytesPerWord + b]) << UInt64(8 * b) }
                theirs[i] = w
            }
        }
        tally.wireBytesSent += out.count
        tally.payloadBytesReceived += expected
        switch kind {
        case .protocolStep:
            tally.protocolBytesSent += payload
            tally.protocolBytesReceived += expected
            tally.flights += 1
        case .simulator: tally.simulatorBytesSent += payload
        case .hello, .closing, .dealer: break
        }
        return Flight(words: theirs, bytesSent: payload, bytesReceived: expected)
    }

    /// A read of 0 bytes is the peer closing; a failed one other than "try again" is an error.
    func checkRead(_ n: Int, kind: FrameKind) throws(TransportError) {
        if n == 0 { throw TransportError("\(peerName) closed the connection during a \(kind) exchange") }
        if n < 0, errno != EAGAIN, errno != EINTR {
            throw TransportError("reading a \(kind) frame from \(peerName) failed: \(Self.errnoText())")
        }
    }

    /// The peer's payload length, if its header is the frame this party expects
    /// (`payload` < 0: any whole number of words).
    func validate(header: [UInt8], kind: FrameKind?, payload: Int) throws(TransportError) -> Int {
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(header[1 + i]) << UInt64(8 * i) }
        guard let got = FrameKind(rawValue: header[0]) else {
            throw TransportError("malformed frame from \(peerName): kind byte \(header[0]) is not a PISim frame")
        }
        guard length <= UInt64(Self.maximumFrameBytes) else {
            throw TransportError("malformed frame from \(peerName): it announces \(length) bytes, over the \(Self.maximumFrameBytes)-byte limit")
        }
        lastKind = got
        if let kind { guard got == kind else { throw TransportError("\(peerName) sent a \(got) frame where a \(kind) frame was due: the parties are out of step") } }
        guard payload < 0 ? Int(length) % 8 == 0 : Int(length) == payload else {  // any length: whole 8-byte words
            throw TransportError("\(peerName) sent a \(got) frame of \(length) bytes where this party sent \(payload): the parties run different computations")
        }
        return Int(length)
    }

    public func close() { shutdown(fd, Int32(SHUT_WR)) }

    /// Writes raw bytes (blocking until written or failed): tests play misbehaving peers with it.
    func sendRaw(_ bytes: [UInt8]) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress!.advanced(by: written), bytes.count - written, Int32(MSG_NOSIGNAL)) }
            if n > 0 { written += n } else if n < 0, errno != EAGAIN, errno != EINTR { return } else { usleep(1000) }
        }
    }
}

/// The handshake at connect: each party sends its role, the frame format version and a
/// hash of what it is about to compute; either side refuses a peer with the same role, a
/// different format or a different computation.
public enum PartyHandshake {
    /// "PISIMv1\0" read as a little-endian word.
    public static let magic: UInt64 = 0x0031_764D_4953_4950
    public static let version: UInt64 = 1

    /// - Parameters:
    ///   - digest: 32 bytes (SHA-256) of the scenario, profile and options both must share.
    /// - Throws: `TransportError` naming what differs.
    public static func greet(_ transport: any Transport, role: Int, digest: [UInt8]) throws(TransportError) {
        var words: [UInt64] = [magic, version, UInt64(role)]
        for i in 0..<4 {
            var w: UInt64 = 0
            for b in 0..<8 where 8 * i + b < digest.count { w |= UInt64(digest[8 * i + b]) << UInt64(8 * b) }
            words.append(w)
        }
        let peer = try transport.exchange(words, bytesPerWord: 8, kind: .hello).words
        guard peer[0] == magic else { throw TransportError("the peer is not a PISim party (bad greeting)") }
        guard peer[1] == version else { throw TransportError("the peer speaks PISim party format \(peer[1]), this build \(version)") }
        guard peer[2] == UInt64(1 - role) else {
            throw TransportError("both parties claim role \(role): start one with --role 0 and the other with --role 1")
        }
        guard Array(peer[3...]) == Array(words[3...]) else {
            throw TransportError("the peer runs a different computation (the hash of its scenario, profile and options differs): start both parties with the same arguments")
        }
    }
}
