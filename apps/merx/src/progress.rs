//! Progress of a long CLI command on stderr (stdout stays the command's one-line result): a
//! bar redrawn in place at a terminal, a line per tenth of the way otherwise (a log or CI).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

pub struct Progress {
    label: &'static str,
    total: usize,
    terminal: bool,
    /// Units done, and the last tenth reported (lines mode).
    state: Mutex<(usize, usize)>,
}

const WIDTH: usize = 30;

impl Progress {
    #[must_use]
    pub fn new(label: &'static str, total: usize) -> Self {
        Self {
            label,
            total,
            terminal: std::io::stderr().is_terminal(),
            state: Mutex::new((0, 0)),
        }
    }

    /// `n` more units are done.
    pub fn advance(&self, n: usize) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.0 = (state.0 + n).min(self.total);
        self.show(&mut state);
    }

    /// `done` units are done in all.
    pub fn set(&self, done: usize) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.0 = done.min(self.total);
        self.show(&mut state);
    }

    fn show(&self, state: &mut (usize, usize)) {
        let (done, total) = (state.0, self.total.max(1));
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let filled = done * WIDTH / total;
            let _ = write!(
                err,
                "\r{} [{}{}] {done}/{}",
                self.label,
                "#".repeat(filled),
                " ".repeat(WIDTH - filled),
                self.total
            );
            if done == self.total {
                let _ = writeln!(err);
            }
        } else {
            let tenth = done * 10 / total;
            if tenth > state.1 {
                state.1 = tenth;
                let _ = writeln!(err, "{}: {done}/{}", self.label, self.total);
            }
        }
    }
}
