//! Counts the SQL statements this process sends to Postgres, through diesel's instrumentation:
//! every connection opened after [`count_statements`] reports each statement it starts
//! (queries, `BEGIN`/`COMMIT`, the pool's recycle check), which is what the server's statement
//! log would show. Process-wide, so it suits nextest, which runs each test in its own process.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use diesel::connection::{Instrumentation, InstrumentationEvent, set_default_instrumentation};

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());
static INSTALLED: AtomicBool = AtomicBool::new(false);

struct Recorder;

impl Instrumentation for Recorder {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            let text = query.to_string();
            LOG.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(text);
        }
    }
}

/// Makes every connection opened from now on record its statements. Call it before the pool
/// that should be counted is built.
///
/// # Panics
/// When diesel refuses the default instrumentation.
pub fn count_statements() {
    if !INSTALLED.swap(true, Ordering::SeqCst) {
        set_default_instrumentation(|| Some(Box::new(Recorder))).expect("instrumentation");
    }
}

/// Every statement recorded since the last call, in order, and forgets them.
#[must_use]
pub fn take_statements() -> Vec<String> {
    std::mem::take(
        &mut *LOG
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    )
}
