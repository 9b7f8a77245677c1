//! The per-endpoint hot path, `mxray_scan::pipeline::scan_endpoint`, at each profile (quick,
//! standard, full) against an in-process `mxray-lab` server (profile `good`: STARTTLS, TLS 1.2
//! and 1.3 under the lab CA) on loopback: the whole connect + SMTP + STARTTLS + probes + audit
//! path, measured without spawning the binary.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use mxray_lab::{LabConfig, LabProfile};
use mxray_scan::audit::{load_store, StoreChoice};
use mxray_scan::pipeline::{scan_endpoint, Endpoint, PipelineConfig, ScanContext, TlsModeChoice};
use mxray_scan::ratelimit::RateConfig;
use mxray_schema::record::{MxInfo, Profile, Status};

fn endpoint(addr: SocketAddr) -> Endpoint {
    Endpoint {
        target: "good.lab.test".to_owned(),
        domain: Some("good.lab.test".to_owned()),
        mx: Some(MxInfo {
            host: "mx.lab.test".to_owned(),
            preference: Some(10),
            implicit: false,
        }),
        addr,
        dns_ms: None,
    }
}

fn context(profile: Profile, ca: &std::path::Path) -> ScanContext {
    let trust = load_store(&StoreChoice::PemFile(ca.to_path_buf())).expect("lab CA");
    let config = PipelineConfig::for_profile(profile, std::sync::Arc::new(trust))
        .with_timeouts(
            Duration::from_secs(3),
            Duration::from_secs(3),
            Duration::from_secs(60),
        )
        .with_retries(0, Duration::from_millis(100))
        .with_ehlo_name("mxray-bench.invalid")
        .with_tls(TlsModeChoice::Starttls, Duration::from_secs(5));
    // Loopback: the limiter stays in the path but never waits.
    let rate = RateConfig {
        rate: 1_000_000.0,
        burst: 1_000_000.0,
    };
    ScanContext::new(config, rate, 1024, 64)
}

fn scan_endpoint_profiles(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let state = std::env::temp_dir().join(format!("mxray-bench-lab-{}", std::process::id()));
    let lab_config = LabConfig {
        profiles: vec!["good=0".parse().unwrap()],
        state: state.clone(),
        ..LabConfig::default()
    };
    let lab = rt
        .block_on(mxray_lab::start(&lab_config, Box::new(std::io::sink())))
        .expect("lab starts");
    let ep = endpoint(lab.addr(LabProfile::Good).expect("good is served"));
    let mut group = c.benchmark_group("scan_endpoint");
    group.sample_size(10);
    for (name, profile) in [
        ("quick", Profile::Quick),
        ("standard", Profile::Standard),
        ("full", Profile::Full),
    ] {
        let ctx = context(profile, &lab.ca_pem);
        // A bench that measures failures measures nothing: check the path completes.
        let rec = rt.block_on(scan_endpoint(&ctx, &ep));
        assert_eq!(rec.status, Status::Completed, "{name}: {:?}", rec.error);
        group.bench_function(name, |b| b.iter(|| rt.block_on(scan_endpoint(&ctx, &ep))));
    }
    group.finish();
    lab.stop();
    let _ = std::fs::remove_dir_all(&state);
}

criterion_group!(benches, scan_endpoint_profiles);
criterion_main!(benches);
