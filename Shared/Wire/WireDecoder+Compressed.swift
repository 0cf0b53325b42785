import NIOCore

/// The compressed half of the decoder: one 64 KiB inflate chunk at a time, the ratio limit, and
/// what happens at the end of a member (next member, trailing garbage, or the end of the upload).
extension WireDecoder {
    mutating func frameCurrent() -> WireEvent? {
        guard current.readableBytes > 0, let out = framer.next(in: &current) else { return nil }
        return Self.event(out, limit: limits.maxLineBytes)
    }

    /// Inflates the next chunk into `current`, or decides how the stream ends. Returns false when
    /// nothing can happen until more input (or the grace timer) arrives.
    mutating func stepCompressed(_ encoding: StreamEncoding) -> Bool {
        if let corruption {
            fail(.invalidCompression, "\(encoding) stream is corrupt (\(corruption.message))")
            return true
        }
        if atMemberEnd { return stepAfterMemberEnd(encoding) }
        while input.first?.readableBytes == 0 { input.removeFirst() }
        guard !input.isEmpty else {
            if !inputClosed { return false }
            fail(.truncatedStream, "\(encoding) stream ends in the middle of a member (the upload was cut short)")
            return true
        }
        var chunk = ByteBufferAllocator().buffer(capacity: Self.chunkSize)
        // Taken out of the queue (not copied) so that zlib reads the one and only reference.
        var head = input.removeFirst()
        let progress: InflateProgress
        do {
            progress = try inflater!.inflate(&head, into: &chunk, maxOutputBytes: Self.chunkSize)
        } catch {
            // What zlib inflated before it found the damage (a bad checksum comes after all the
            // data) is framed and delivered first; the failure follows once it is used up.
            corruption = error
            current = chunk
            return true
        }
        if head.readableBytes > 0 { input.prepend(head) }
        compressedBytes = inflater!.totalIn
        inflatedBytes = inflater!.totalOut
        if inflatedBytes > limits.inflateRatioFloor {
            // A huge configured ratio means "no limit" rather than an overflow trap.
            let (allowed, overflow) = limits.maxInflateRatio.multipliedReportingOverflow(by: compressedBytes)
            if !overflow && inflatedBytes > allowed {
                fail(.decompressionLimit, "\(encoding) stream inflates to more than \(limits.maxInflateRatio)× its "
                     + "compressed size (\(inflatedBytes) bytes from \(compressedBytes))",
                     hint: "; this looks like a decompression bomb, and the upload was stopped")
                return true
            }
        }
        if progress == .streamEnd { atMemberEnd = true }
        current = chunk
        return true
    }

    /// After a member's end: a next member, trailing garbage, or the end of the stream.
    mutating func stepAfterMemberEnd(_ encoding: StreamEncoding) -> Bool {
        while input.first?.readableBytes == 0 { input.removeFirst() }
        if input.isEmpty {
            guard inputClosed || graceElapsed else { return false }
            endStream()
            return true
        }
        // Two bytes decide; gather them if the previous read ended one byte into the header.
        if input.first!.readableBytes < 2 && input.count > 1 {
            var merged = input.removeFirst()
            merged.writeImmutableBuffer(input.removeFirst())
            input.prepend(merged)
        }
        let head = input.first!
        if head.readableBytes < 2 {
            let first: UInt8 = head.getInteger(at: head.readerIndex)!
            if !encoding.mayStartMember(first) {
                fail(.invalidCompression, "bytes after the end of the \(encoding) stream do not start a new \(encoding) member")
            } else if inputClosed {
                fail(.truncatedStream, "\(encoding) stream ends one byte into a new member (the upload was cut short)")
            } else {
                return false
            }
            return true
        }
        guard encoding.startsMember(head.getInteger(at: head.readerIndex)!, head.getInteger(at: head.readerIndex + 1)!) else {
            fail(.invalidCompression, "bytes after the end of the \(encoding) stream do not start a new \(encoding) member")
            return true
        }
        atMemberEnd = false
        inflater!.reset()
        return true
    }

    mutating func endStream() {
        if let last = framer.finish() { queued.append(Self.event(last, limit: limits.maxLineBytes)) }
        queued.append(.compressedStreamEnded)
        phase = .streamEnded
    }
}
