/// A self-contained SVG chart of horizontal stacked bars: one bar per item (a run), one
/// segment per category (a nonlinearity), with value ticks and a legend. Deterministic
/// output (fixed-precision coordinates).
public struct StackedBarChart: Sendable {
    public struct Bar: Sendable {
        public var label: String
        /// One value per category, in `categories` order (≥ 0).
        public var values: [Double]

        public init(label: String, values: [Double]) {
            self.label = label
            self.values = values
        }
    }

    public var title: String
    public var valueLabel: String
    public var categories: [String]
    public var bars: [Bar]

    public init(title: String, valueLabel: String, categories: [String], bars: [Bar]) {
        self.title = title
        self.valueLabel = valueLabel
        self.categories = categories
        self.bars = bars
    }

    /// Height that fits every bar and the legend at `width`.
    public var preferredHeight: Double { 90 + 26 * Double(bars.count) + 18 * Double((categories.count + 3) / 4) }

    /// The chart as a standalone SVG element.
    public func svg(width: Double = 760) -> String {
        let height = preferredHeight
        let labelWidth = min(260, 12 + 6.6 * Double(bars.map(\.label.count).max() ?? 0))
        let left = labelWidth + 8, right = 24.0, top = 34.0
        let plotW = width - left - right, barH = 18.0, step = 26.0
        let plotH = step * Double(bars.count)
        let total = bars.map { $0.values.filter { $0 > 0 && $0.isFinite }.reduce(0, +) }.max() ?? 0
        let ticks = niceTicks(0, total > 0 ? total * 1.02 : 1)
        let xMax = max(ticks.last ?? 1, total > 0 ? total : 1)
        func px(_ v: Double) -> Double { left + v / xMax * plotW }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(fmt(width / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"13\">\(xmlEscaped(title))</text>\n"
        for t in ticks {
            s += "<line x1=\"\(fmt(px(t)))\" y1=\"\(fmt(top))\" x2=\"\(fmt(px(t)))\" y2=\"\(fmt(top + plotH + 4))\" stroke=\"#ddd\"/>"
            s += "<text x=\"\(fmt(px(t)))\" y=\"\(fmt(top + plotH + 16))\" text-anchor=\"middle\">\(tick(t))</text>\n"
        }
        s += "<text x=\"\(fmt(left + plotW / 2))\" y=\"\(fmt(top + plotH + 32))\" text-anchor=\"middle\">\(xmlEscaped(valueLabel))</text>\n"
        for (i, bar) in bars.enumerated() {
            let y = top + step * Double(i) + (step - barH) / 2
            s += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(y + barH - 5))\" text-anchor=\"end\">\(xmlEscaped(bar.label))</text>\n"
            var x = 0.0
            for (c, v) in bar.values.enumerated() where v > 0 && v.isFinite {
                let color = LinePlot.palette[c % LinePlot.palette.count]
                s += "<rect x=\"\(fmt(px(x)))\" y=\"\(fmt(y))\" width=\"\(fmt(px(x + v) - px(x)))\" height=\"\(fmt(barH))\" fill=\"\(color)\">"
                s += "<title>\(xmlEscaped(bar.label)) — \(xmlEscaped(c < categories.count ? categories[c] : "?")): \(tick(v))</title></rect>\n"
                x += v
            }
        }
        s += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(top))\" x2=\"\(fmt(left))\" y2=\"\(fmt(top + plotH))\" stroke=\"#444\"/>\n"
        let legendTop = top + plotH + 46
        for (c, name) in categories.enumerated() {
            let lx = left + Double(c % 4) * (plotW / 4), ly = legendTop + Double(c / 4) * 18
            s += "<rect x=\"\(fmt(lx))\" y=\"\(fmt(ly))\" width=\"12\" height=\"12\" fill=\"\(LinePlot.palette[c % LinePlot.palette.count])\"/>"
            s += "<text x=\"\(fmt(lx + 16))\" y=\"\(fmt(ly + 10))\">\(xmlEscaped(name))</text>\n"
        }
        return s + "</svg>\n"
    }
}
