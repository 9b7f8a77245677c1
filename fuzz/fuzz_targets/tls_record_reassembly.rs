#![no_main]
//! Record and handshake reassembly: arbitrary bytes in arbitrary pieces; records and messages
//! come out identical whatever the split, and never exceed the limits. One push bigger than the
//! record buffer's cap (`MAX_FLIGHT + MAX_RECORD`) is refused before any record is read, so
//! there only the failure is compared.
use libfuzzer_sys::fuzz_target;
use tls_probe::record::{HandshakeReassembler, RecordReassembler, MAX_FLIGHT, MAX_RECORD};

fn run(data: &[u8], step: usize) -> (Vec<(u8, u16, Vec<u8>)>, Vec<(u8, Vec<u8>)>, bool) {
    let mut rr = RecordReassembler::new();
    let mut hr = HandshakeReassembler::new();
    let mut records = Vec::new();
    let mut msgs = Vec::new();
    let mut failed = false;
    'outer: for c in data.chunks(step) {
        if rr.push(c).is_err() {
            failed = true;
            break;
        }
        loop {
            match rr.next_record() {
                Ok(Some(r)) => {
                    assert!(r.fragment.len() <= MAX_RECORD);
                    if r.content_type == 22 {
                        if hr.push(&r.fragment).is_err() {
                            failed = true;
                            break 'outer;
                        }
                        loop {
                            match hr.next_message() {
                                Ok(Some(m)) => {
                                    assert!(m.raw.len() <= MAX_FLIGHT + 4);
                                    msgs.push((m.msg_type, m.raw));
                                }
                                Ok(None) => break,
                                Err(_) => {
                                    failed = true;
                                    break 'outer;
                                }
                            }
                        }
                    }
                    records.push((r.content_type, r.version, r.fragment));
                }
                Ok(None) => break,
                Err(_) => {
                    failed = true;
                    break 'outer;
                }
            }
        }
    }
    (records, msgs, failed)
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let a = run(rest, rest.len().max(1));
    let b = run(rest, usize::from(split).max(1));
    if rest.len() > MAX_FLIGHT + MAX_RECORD {
        assert!(
            a.0.is_empty() && a.2,
            "a push over the cap is refused whole"
        );
        assert!(b.2, "pieces over the cap fail too");
    } else {
        assert_eq!(a, b);
    }
});
