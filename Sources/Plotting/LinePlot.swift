import Foundation

/// A self-contained SVG line chart: one or more series over a shared x axis, linear or
/// logarithmic y, with axes, ticks and a legend. No dependencies; the output opens in any
/// browser.
public struct LinePlot: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var x: [Double]
        public var y: [Double]
        public var dashed: Bool
        /// Index into the palette; series that belong together share a colour.
        public var color: Int?

        public init(name: String, x: [Double], y: [Double], dashed: Bool = false, color: Int? = nil) {
            self.name = name
            self.x = x
            self.y = y
            self.dashed = dashed
            self.color = color
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logY: Bool
    /// The x values are counts (blocks, tokens): ticks fall on integers only.
    public var integerX: Bool
    public var series: [Series]

    public init(title: String, xLabel: String, yLabel: String, logY: Bool = false, integerX: Bool = false, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logY = logY
        self.integerX = integerX
        self.series = series
    }

    /// Series with at most this many points get a marker at each point (and an isolated
    /// point between gaps stays visible).
    static let markerThreshold = 16

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// The chart as an SVG `<g>` element of the given size, placed at (x, y).
    public func svgGroup(x originX: Double, y originY: Double, width: Double, height: Double) -> String {
        // The legend sits right of the plot area, or below it when the names are long;
        // never over the data.
        let legendWidth = 28 + 6.5 * Double(series.map(\.name.count).max() ?? 0)
        let below = legendBelow
        let left = 70.0, right = 20.0 + (below ? 0 : legendWidth), top = 30.0, bottom = 45.0 + (below ? legendHeight : 0)
        let plotW = width - left - right, plotH = height - top - bottom
        let transform: (Double) -> Double? = logY ? { $0 > 0 && $0.isFinite ? log10($0) : nil } : { $0.isFinite ? $0 : nil }
        let xs = series.flatMap(\.x).filter(\.isFinite)
        let ys = series.flatMap { $0.y.compactMap(transform) }
        var (xMin, xMax) = (xs.min() ?? 0, xs.max() ?? 1)
        var (yMin, yMax) = (ys.min() ?? 0, ys.max() ?? 1)
        if xMax <= xMin { xMax = xMin + 1 }
        if yMax <= yMin { yMax = yMin + 1; yMin -= 1 }
        if logY { yMin = yMin.rounded(.down); yMax = yMax.rounded(.up) } else {
            let pad = (yMax - yMin) * 0.05
            yMin -= pad; yMax += pad
        }
        func px(_ v: Double) -> Double { left + (v - xMin) / (xMax - xMin) * plotW }
        func py(_ v: Double) -> Double { top + (1 - (v - yMin) / (yMax - yMin)) * plotH }
        var s = "<g transform=\"translate(\(fmt(originX)),\(fmt(originY)))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        s += "<text x=\"\(fmt(width / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"13\">\(xmlEscaped(title))</text>\n"
        s += "<rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(plotW))\" height=\"\(fmt(plotH))\" fill=\"none\" stroke=\"#444\"/>\n"
        let xTicks = integerX ? niceTicks(xMin, xMax).filter { $0 == $0.rounded() } : niceTicks(xMin, xMax)
        for xv in xTicks.isEmpty ? [xMin.rounded(.up)] : xTicks {
            s += "<line x1=\"\(fmt(px(xv)))\" y1=\"\(fmt(top + plotH))\" x2=\"\(fmt(px(xv)))\" y2=\"\(fmt(top + plotH + 4))\" stroke=\"#444\"/>"
            s += "<text x=\"\(fmt(px(xv)))\" y=\"\(fmt(top + plotH + 16))\" text-anchor=\"middle\">\(tick(xv))</text>\n"
        }
        let yTicks: [Double] = logY ? Array(stride(from: yMin, through: yMax, by: max(1, ((yMax - yMin) / 6).rounded(.up))))
                                    : niceTicks(yMin, yMax)
        for yv in yTicks {
            s += "<line x1=\"\(fmt(left - 4))\" y1=\"\(fmt(py(yv)))\" x2=\"\(fmt(left + plotW))\" y2=\"\(fmt(py(yv)))\" stroke=\"#ddd\"/>"
            s += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(py(yv) + 4))\" text-anchor=\"end\">\(logY ? "1e\(Int(yv))" : tick(yv))</text>\n"
        }
        s += "<text x=\"\(fmt(left + plotW / 2))\" y=\"\(fmt(top + plotH + 37))\" text-anchor=\"middle\">\(xmlEscaped(xLabel))</text>\n"
        s += "<text transform=\"translate(14,\(fmt(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(xmlEscaped(yLabel))</text>\n"
        let legendX = below ? left : left + plotW + 14, legendTop = below ? top + plotH + 46 : top
        for (i, line) in series.enumerated() {
            let color = Self.palette[(line.color ?? i) % Self.palette.count]
            // A missing or unplottable point (NaN, ≤ 0 on a log axis) breaks the line.
            var path = "", pen = false, markers = ""
            for (x, y) in zip(line.x, line.y) {
                guard let ty = transform(y), x.isFinite else { pen = false; continue }
                path += "\(pen ? "L" : "M")\(fmt(px(x))),\(fmt(py(ty))) "
                pen = true
                if line.x.count <= Self.markerThreshold {
                    markers += "<circle cx=\"\(fmt(px(x)))\" cy=\"\(fmt(py(ty)))\" r=\"2.5\" fill=\"\(color)\"/>"
                }
            }
            s += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"\(line.dashed ? " stroke-dasharray=\"5,3\"" : "")/>\(markers)\n"
            let ly = legendTop + 14 + Double(i) * 15
            s += "<line x1=\"\(fmt(legendX))\" y1=\"\(fmt(ly - 4))\" x2=\"\(fmt(legendX + 16))\" y2=\"\(fmt(ly - 4))\" stroke=\"\(color)\" stroke-width=\"2\"\(line.dashed ? " stroke-dasharray=\"5,3\"" : "")/>"
            s += "<text x=\"\(fmt(legendX + 20))\" y=\"\(fmt(ly))\">\(xmlEscaped(line.name))</text>\n"
        }
        return s + "</g>\n"
    }

    /// Names longer than fit beside a 760-pixel plot put the legend under it.
    var legendBelow: Bool { (series.map(\.name.count).max() ?? 0) > 24 }
    /// Height the legend takes under the plot.
    var legendHeight: Double { 15 * Double(series.count) + 10 }

    /// The chart as a standalone `<svg>` element (for embedding in HTML); a legend below
    /// the plot adds to `height`.
    public func svg(width: Double = 760, height plotHeight: Double = 320) -> String {
        let height = plotHeight + (legendBelow ? legendHeight : 0)
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + svgGroup(x: 0, y: 0, width: width, height: height) + "</svg>\n"
    }

    /// Stacks plots vertically into one SVG document.
    public static func document(_ plots: [LinePlot], width: Double = 760, panelHeight: Double = 320) -> String {
        let height = panelHeight * Double(plots.count)
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (i, p) in plots.enumerated() { s += p.svgGroup(x: 0, y: panelHeight * Double(i), width: width, height: panelHeight) }
        return s + "</svg>\n"
    }
}

/// Fixed two-decimal coordinates keep the SVG small and byte-identical across runs.
func fmt(_ v: Double) -> String {
    let r = (v * 100).rounded() / 100
    return r == r.rounded() ? String(Int(r)) : String(r)
}

func tick(_ v: Double) -> String {
    let a = abs(v)
    if a != 0 && (a < 1e-3 || a >= 1e5) {
        let e = Int(log10(a).rounded(.down))
        return "\(fmt(v / pow10(e)))e\(e)"
    }
    return fmt(v)
}

/// Tick positions at 1, 2 or 5 × 10^k spacing covering [lo, hi] with about six ticks.
func niceTicks(_ lo: Double, _ hi: Double) -> [Double] {
    let raw = (hi - lo) / 6
    guard raw > 0, raw.isFinite else { return [lo] }
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    var ticks = [Double](), v = (lo / step).rounded(.up) * step
    while v <= hi + step * 1e-9 { ticks.append(abs(v) < step * 1e-9 ? 0 : v); v += step }
    return ticks
}

func pow10(_ e: Int) -> Double { pow(10, Double(e)) }

/// A unit for a byte axis whose largest value is `maximum`: (divisor, label), so that the
/// ticks read 5, 10, 50 rather than 50,000 MB.
public func byteUnit(forMaximum maximum: Double) -> (divisor: Double, label: String) {
    if maximum >= 1e12 { return (1e12, "TB") }
    if maximum >= 1e9 { return (1e9, "GB") }
    if maximum >= 1e6 { return (1e6, "MB") }
    if maximum >= 1e3 { return (1e3, "kB") }
    return (1, "bytes")
}

/// `s` with &, < and > escaped for XML/HTML text.
public func xmlEscaped(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
}
