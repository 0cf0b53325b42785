import NIOCore

/// The bounds the wire decoder enforces on everything that comes from the network.
///
/// Every limit has a default that suits a news corpus; the services expose each as a flag.
public struct WireLimits: Sendable, Hashable {
    /// The longest line accepted, in decoded bytes, without its `\n` or `\r\n`. A longer line is
    /// reported with ``WireEvent/oversizedLine(number:limit:)`` and skipped without being buffered;
    /// the connection goes on with the next line.
    public var maxLineBytes: Int

    /// The most inflated bytes allowed per compressed byte consumed, enforced once
    /// ``inflateRatioFloor`` bytes have been inflated. Without it a few kilobytes of gzip could ask
    /// for gigabytes of work: "no limit" is a denial-of-service hole.
    public var maxInflateRatio: Int

    /// Inflated bytes allowed before ``maxInflateRatio`` is enforced, so that small, very
    /// repetitive uploads (which compress extremely well) are never refused.
    public var inflateRatioFloor: Int

    /// How long after the end of a compressed member the decoder waits for the next member before
    /// it reports ``WireEvent/compressedStreamEnded``. `gzip -c f | nc host port` never
    /// half-closes, so silence after a complete member is the only sign that the upload is over.
    public var memberEndGrace: TimeAmount

    /// Creates limits; every argument has the documented default.
    public init(
        maxLineBytes: Int = 8 << 20,
        maxInflateRatio: Int = 100,
        inflateRatioFloor: Int = 16 << 20,
        memberEndGrace: TimeAmount = .milliseconds(200)
    ) {
        self.maxLineBytes = maxLineBytes
        self.maxInflateRatio = maxInflateRatio
        self.inflateRatioFloor = inflateRatioFloor
        self.memberEndGrace = memberEndGrace
    }
}
