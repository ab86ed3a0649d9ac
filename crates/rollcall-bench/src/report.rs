//! The tables the benchmarks print.

use std::time::Duration;

/// Prints progress as it happens (the soak's rows, minute by minute); a closed stdout is ignored.
pub(crate) fn say(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Milliseconds, for the tables.
pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A benchmark's output: a caption, a Markdown table (columns sized to fit, the first one
/// left-aligned and the others right-aligned) and notes under it.
pub(crate) struct Report {
    caption: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    notes: Vec<String>,
}

impl Report {
    pub(crate) fn new(caption: impl Into<String>, header: &[&str]) -> Self {
        Self {
            caption: caption.into(),
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub(crate) fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// The whole report as text.
    pub(crate) fn render(&self) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|c| {
                std::iter::once(&self.header)
                    .chain(&self.rows)
                    .filter_map(|r| r.get(c))
                    .map(|cell| cell.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            let cells: Vec<String> = widths
                .iter()
                .enumerate()
                .map(|(c, w)| {
                    let cell = cells.get(c).map(String::as_str).unwrap_or_default();
                    if c == 0 { format!("{cell:<w$}") } else { format!("{cell:>w$}") }
                })
                .collect();
            format!("| {} |\n", cells.join(" | "))
        };
        let rule: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(c, w)| if c == 0 { "-".repeat(w + 2) } else { format!("{}:", "-".repeat(w + 1)) })
            .collect();
        let mut out = format!("{}\n\n", self.caption);
        out += &line(&self.header);
        out += &format!("|{}|\n", rule.join("|"));
        for row in &self.rows {
            out += &line(row);
        }
        if !self.notes.is_empty() {
            out.push('\n');
        }
        for note in &self.notes {
            out += note;
            out.push('\n');
        }
        out
    }

    pub(crate) fn print(&self) {
        say(&self.render());
    }
}

#[cfg(test)]
mod tests {
    use super::Report;

    #[test]
    fn reports_align_their_columns() {
        let mut report = Report::new("Caption", &["what", "n"]);
        report.row(vec!["long name".into(), "1".into()]);
        report.row(vec!["x".into(), "100".into()]);
        report.note("a note");
        assert_eq!(
            report.render(),
            "Caption\n\n\
             | what      |   n |\n\
             |-----------|----:|\n\
             | long name |   1 |\n\
             | x         | 100 |\n\
             \na note\n"
        );
    }
}
