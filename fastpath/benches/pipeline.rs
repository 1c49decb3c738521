//! Criterion benches of whole programs on the engine (see also `exo-fastpath bench`, which
//! reports Mpps and latency percentiles for the same programs).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use exo_fastpath::bench::{prepare, BenchArgs};
use exo_fastpath::{Batch, Outputs, Pipeline};
use std::path::PathBuf;

fn load(name: &str) -> Pipeline {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("benches/p4")
        .join(name);
    let c = exo_p4::compile_file(&path, &exo_p4::CompileOptions::default());
    let diags = c.render_diagnostics();
    let ir = c.ir.unwrap_or_else(|| panic!("{diags}"));
    Pipeline::from_ir(&ir).expect("loads")
}

fn args(program: &str, flows: usize, zipf: f64, lpm: usize, ternary: usize) -> BenchArgs {
    BenchArgs {
        flows,
        zipf,
        lpm_fill: lpm,
        ternary_fill: ternary,
        ..BenchArgs::new(program)
    }
}

fn bench_program(c: &mut Criterion, label: &str, file: &str, a: BenchArgs) {
    let mut pipe = load(file);
    let trace = prepare(&mut pipe, &a).expect("prepare");
    let mut out = Outputs::new();
    let mut i = 0usize;
    let n = trace.packets();
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(32));
    g.bench_function(label, |b| {
        // One burst of 32 through the batch API, as the I/O loop hands them over.
        let mut batch = Batch::with_capacity(32);
        b.iter(|| {
            batch.clear();
            for _ in 0..32 {
                batch.push(trace.packet(i), 1);
                i = (i + 1) % n;
            }
            out.clear();
            pipe.process_batch(&batch, 1, &mut out);
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    bench_program(c, "l2fwd_1k", "l2fwd.p4", args("l2fwd.p4", 1000, 0.0, 0, 0));
    bench_program(
        c,
        "l3_acl_100k_1k",
        "l3_acl.p4",
        args("l3_acl.p4", 1000, 0.0, 100_000, 1000),
    );
    bench_program(
        c,
        "nat_1m_zipf099",
        "nat.p4",
        args("nat.p4", 1_000_000, 0.99, 0, 0),
    );
}

criterion_group! {
    name = pipeline;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(2));
    targets = benches
}
criterion_main!(pipeline);
