//! tls-probe hot paths: ClientHello building, the rustls driver's start, and server-flight parsing beside tls-parser
//! parsing the same bytes (a captured OpenSSL TLS 1.2 flight with a DHE ServerKeyExchange).
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use tls_probe::driver::RustlsDriver;
use tls_probe::flight::FlightParser;
use tls_probe::plan::hellos::{encode, hello_for, HelloOptions};
use tls_probe::suites::candidates;
use tls_probe::Version;

const FLIGHT: &[u8] = include_bytes!("../../tls-probe/tests/fixtures/ossl4450_dhe12.bin");

fn build(c: &mut Criterion) {
    let suites: Vec<u16> = candidates(Version::Tls12).into_iter().take(128).collect();
    let opts = HelloOptions::default();
    c.bench_function("tls_probe/client_hello_build_128_suites", |b| {
        b.iter(|| {
            encode(hello_for(
                Version::Tls12,
                black_box(&suites),
                &opts,
                None,
                None,
            ))
        })
    });
    // The suite scan's default hello: the whole TLS 1.2 pool (338 suites).
    let pool = candidates(Version::Tls12);
    c.bench_function("tls_probe/client_hello_build_whole_tls12_pool", |b| {
        b.iter(|| {
            encode(hello_for(
                Version::Tls12,
                black_box(&pool),
                &opts,
                None,
                None,
            ))
        })
    });
    c.bench_function("tls_probe/candidates_tls12", |b| {
        b.iter(|| candidates(black_box(Version::Tls12)))
    });
    // What every modern handshake pays before its first byte goes out: the driver (its
    // configuration and recorders) and the ClientHello (key share included).
    c.bench_function("tls_probe/rustls_driver_new_and_client_hello", |b| {
        b.iter(|| {
            let mut d = RustlsDriver::new(black_box("mx.lab.test"), &[]).ok();
            d.as_mut().map(RustlsDriver::take_outgoing)
        })
    });
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("server_flight_parse");
    g.throughput(criterion::Throughput::Bytes(FLIGHT.len() as u64));
    g.bench_function("tls_probe/flight_parser", |b| {
        b.iter(|| {
            let mut p = FlightParser::new();
            p.feed(black_box(FLIGHT));
            p.into_flight()
        })
    });
    g.bench_function("tls_parser/parse_tls_plaintext_all_records", |b| {
        b.iter(|| {
            let mut rest = black_box(FLIGHT);
            let mut n = 0usize;
            while let Ok((r, rec)) = tls_parser::parse_tls_plaintext(rest) {
                n += rec.msg.len();
                rest = r;
                if rest.is_empty() {
                    break;
                }
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, build, parse);
criterion_main!(benches);
