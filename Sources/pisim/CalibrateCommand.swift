import ArgumentParser
import CostModel
import Foundation
import Scenario

/// `pisim calibrate`: a profile's compute figures from a peer's measured timings.
struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Derive a profile's compute section from a peer's measured timings, and check its predictions.",
        discussion: """
        Example: pisim calibrate Tests/TwoPartyTests/Fixtures/crypten_compute.json --protocol crypten
        Runs every entry of the timing file under the profile (PISim's own events), fits seconds per round and per
        element by event kind, and per multiply-accumulate, to the entries marked "calibrate" (non-negative least
        squares on relative error), and prints the `compute:` section to paste into the profile, then the table of
        predicted compute on a zero-delay link against the peer's median wall time for every entry ("check"
        entries are predictions: they take no part in the fit). --check compares with the profile's own section.
        """)

    @Argument(help: "A peer timing file (measure_crypten_compute.py / measure_spu_compute.py output).")
    var timings: String

    @Option(name: .customLong("protocol"), help: "Protocol profile name or path.")
    var protocolName: String = "crypten"

    @Flag(help: "Compare with the profile's compute section instead of fitting a new one.")
    var check = false

    @Option(help: "Source line for the printed section.")
    var source: String?

    func run() throws {
        try reportingErrors {
            let profile = try ProtocolProfile.load(protocolName)
            let t = try PeerTimings.load(path: timings)
            let cite = source ?? "\((timings as NSString).lastPathComponent), pisim calibrate (calibrate entries only)"
            let runs = try ComputeCalibration.runs(t, profile: profile)
            let model: ComputeModel
            if check {
                guard let committed = profile.settings.compute else {
                    throw RunError.calibration("profile '\(profile.name)' has no compute section; run pisim calibrate without --check to derive one")
                }
                model = committed
            } else {
                model = try ComputeCalibration.fit(runs, machine: t.machineSummary, source: cite)
                print(ComputeCalibration.yaml(model, source: cite, machine: t.machineSummary))
            }
            let rows = ComputeCalibration.compare(runs, model: model)
            print("| op | role | peer wall s | PISim compute s | ratio | peer bytes/party | PISim bytes (both) | rounds peer/PISim |")
            print("|---|---|---:|---:|---:|---:|---:|---:|")
            for r in rows {
                print(String(format: "| %@ | %@ | %.4f | %.4f | %.2f | %d | %d | %d/%d |", r.entry.label, r.entry.role, r.entry.wallSeconds,
                             r.predictedSeconds, r.ratio, r.entry.bytesParty0, r.pisimBytes, r.entry.roundsParty0, r.pisimRounds))
            }
        }
    }
}
