//! pcap: round trips in every format, errors on bad files, and a fuzzed reader.

use exo_traffic::pcap::*;
use proptest::prelude::*;
use std::path::PathBuf;

fn formats() -> Vec<WriterOptions> {
    let mut v = Vec::new();
    for big_endian in [false, true] {
        for resolution in [Resolution::Micros, Resolution::Nanos] {
            v.push(WriterOptions {
                big_endian,
                resolution,
                ..WriterOptions::default()
            });
        }
    }
    v
}

fn write(opts: WriterOptions, packets: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut w = PcapWriter::new(Vec::new(), opts).unwrap();
    for (ts, d) in packets {
        w.write(*ts, d).unwrap();
    }
    w.into_inner()
}

fn read(bytes: &[u8]) -> Result<Vec<(u64, Vec<u8>)>, PcapError> {
    let mut r = PcapReader::new(bytes, "mem.pcap")?;
    let mut v = Vec::new();
    while let Some(rec) = r.next()? {
        v.push((rec.ts_ns, rec.data.to_vec()));
    }
    Ok(v)
}

#[test]
fn round_trip_every_format() {
    let packets: Vec<(u64, Vec<u8>)> = (0..50u64)
        .map(|i| {
            (
                1_700_000_000_123_456_789 + i * 1_001,
                vec![i as u8; 60 + i as usize],
            )
        })
        .collect();
    for opts in formats() {
        let bytes = write(opts, &packets);
        let back = read(&bytes).unwrap();
        let r = PcapReader::new(&bytes[..], "x").unwrap();
        assert_eq!(r.header().big_endian, opts.big_endian);
        assert_eq!(r.header().resolution, opts.resolution);
        for ((ts, d), (ts2, d2)) in packets.iter().zip(&back) {
            assert_eq!(d, d2);
            match opts.resolution {
                Resolution::Nanos => assert_eq!(ts, ts2),
                Resolution::Micros => assert_eq!(ts / 1000 * 1000, *ts2),
            }
        }
        assert_eq!(back.len(), packets.len());
    }
}

#[test]
fn snaplen_cuts_and_keeps_the_original_length() {
    let opts = WriterOptions {
        snaplen: 100,
        ..WriterOptions::default()
    };
    let mut w = PcapWriter::new(Vec::new(), opts).unwrap();
    w.write(0, &[7u8; 300]).unwrap();
    let bytes = w.into_inner();
    let mut r = PcapReader::new(&bytes[..], "s").unwrap();
    let rec = r.next().unwrap().unwrap();
    assert_eq!(rec.data.len(), 100);
    assert_eq!(rec.orig_len, 300);
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("exo-traffic-{}-{name}", std::process::id()))
}

#[test]
fn bad_files_name_the_file_and_offset() {
    let good = write(
        WriterOptions::default(),
        &[(0, vec![1; 64]), (1, vec![2; 64])],
    );

    let cases: Vec<(&str, Vec<u8>, u64, &str)> = vec![
        ("empty.pcap", vec![], 0, "truncated"),
        (
            "text.pcap",
            b"GET / HTTP/1.1\r\nHost: example\r\n\r\n".to_vec(),
            0,
            "not a pcap file",
        ),
        (
            "ng.pcap",
            vec![
                0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0x1c, 0x4d, 0x3c, 0x2b, 0x1a,
            ],
            0,
            "pcapng",
        ),
        ("header.pcap", good[..20].to_vec(), 20, "24-byte header"),
        (
            "record-header.pcap",
            good[..24 + 10].to_vec(),
            24,
            "record header",
        ),
        (
            "record-data.pcap",
            good[..24 + 16 + 64 + 16 + 30].to_vec(),
            24 + 16 + 64,
            "only 30 follow",
        ),
    ];
    for (name, bytes, offset, words) in cases {
        let path = temp(name);
        std::fs::write(&path, &bytes).unwrap();
        let err = match PcapReader::open(&path) {
            Err(e) => e,
            Ok(mut r) => loop {
                match r.next() {
                    Ok(Some(_)) => continue,
                    Ok(None) => panic!("{name}: read without error"),
                    Err(e) => break e,
                }
            },
        };
        let msg = err.to_string();
        assert_eq!(err.offset, offset, "{name}: {msg}");
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains(&format!("byte {offset}")), "{msg}");
        assert!(msg.contains(words), "{name}: {msg}");
        std::fs::remove_file(&path).ok();
    }

    let missing = temp("does-not-exist.pcap");
    let e = PcapReader::open(&missing).err().unwrap();
    assert!(e.to_string().contains("does-not-exist.pcap"), "{e}");
}

#[test]
fn absurd_record_lengths_are_refused_before_allocating() {
    let mut bad = write(WriterOptions::default(), &[(0, vec![1; 64])]);
    bad[24 + 8..24 + 12].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    bad[24 + 12..24 + 16].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let e = read(&bad).err().unwrap();
    assert_eq!(e.offset, 24);
    assert!(matches!(e.kind, PcapErrorKind::RecordTooLong(_)));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary bytes: an error or packets, never a panic; offsets stay inside the input.
    #[test]
    fn fuzz_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        match read(&bytes) {
            Ok(_) => {}
            Err(e) => prop_assert!(e.offset <= bytes.len() as u64),
        }
    }

    /// A valid file with bytes overwritten and a random cut.
    #[test]
    fn fuzz_mutated_files(
        fmt in 0usize..4,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8),
        cut in any::<usize>(),
    ) {
        let packets: Vec<(u64, Vec<u8>)> = (0..5u64).map(|i| (i, vec![i as u8; 20 + 7 * i as usize])).collect();
        let mut bytes = write(formats()[fmt], &packets);
        for (at, v) in edits {
            let n = bytes.len();
            bytes[at % n] = v;
        }
        let cut = cut % (bytes.len() + 1);
        bytes.truncate(cut);
        match read(&bytes) {
            Ok(_) => {}
            Err(e) => prop_assert!(e.offset <= bytes.len() as u64),
        }
    }

    /// Round trip of arbitrary packets and timestamps.
    #[test]
    fn round_trip_arbitrary(
        fmt in 0usize..4,
        packets in proptest::collection::vec((0u64..4_000_000_000_000_000_000, proptest::collection::vec(any::<u8>(), 0..200)), 0..20),
    ) {
        let opts = formats()[fmt];
        let bytes = write(opts, &packets);
        let back = read(&bytes).unwrap();
        prop_assert_eq!(back.len(), packets.len());
        for ((ts, d), (ts2, d2)) in packets.iter().zip(&back) {
            prop_assert_eq!(d, d2);
            let expect = match opts.resolution {
                Resolution::Nanos => *ts,
                Resolution::Micros => ts / 1000 * 1000,
            };
            prop_assert_eq!(expect, *ts2);
        }
    }
}
