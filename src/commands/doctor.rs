//! `tix doctor [--fix] [--json]`: what an interrupted run or a hand edit left
//! behind. Without --fix nothing changes (an interrupted change is reported,
//! not finished) and problems exit 6; with --fix what can be repaired is, and
//! what is left (a malformed ticket) exits 6.

use super::Ctx;
use crate::cli::DoctorArgs;
use crate::exit::Exit;
use crate::tree::{Finding, LockMode};
use anyhow::Result;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Serialize)]
struct DoctorJson {
    ok: bool,
    problems: Vec<FindingJson>,
}

#[derive(Serialize)]
struct FindingJson {
    kind: String,
    path: String,
    message: String,
    /// What --fix did; `null` when it was left as it is.
    fixed: Option<String>,
}

pub fn run(ctx: &Ctx, args: &DoctorArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    let mut on_wait = |m: &str| ctx.note(m);
    let findings: Vec<Finding> = if args.fix {
        let lock = tree.lock_for_repair(&mut on_wait)?;
        tree.repair(&lock, ctx.now)?
    } else {
        let lock = tree.lock_without_recovery(LockMode::Shared, &mut on_wait)?;
        tree.examine(lock.as_ref())?
            .into_iter()
            .map(|problem| Finding {
                problem,
                fixed: None,
            })
            .collect()
    };
    let left = findings.iter().filter(|f| f.fixed.is_none()).count();
    if args.json {
        let out = DoctorJson {
            ok: left == 0,
            problems: findings
                .iter()
                .map(|f| FindingJson {
                    kind: f.problem.kind.to_string(),
                    path: f.problem.path.clone(),
                    message: match f.problem.line {
                        Some(l) => format!("line {l}: {}", f.problem.message),
                        None => f.problem.message.clone(),
                    },
                    fixed: f.fixed.clone(),
                })
                .collect(),
        };
        ctx.out_json(&out)?;
    } else {
        let mut out = String::new();
        for f in &findings {
            let p = &f.problem;
            let line = p.line.map(|l| format!(":{l}")).unwrap_or_default();
            let text = format!("{}{line}: {}: {}", tree.show(&p.path), p.kind, p.message);
            out.push_str(&crate::text::sanitize(&text));
            match &f.fixed {
                Some(what) => {
                    let _ = writeln!(out, " — fixed: {}", crate::text::sanitize(what));
                }
                None if args.fix => out.push_str(" — left as it is\n"),
                None => out.push('\n'),
            }
        }
        ctx.out(&out)?;
        let fixed = findings.len() - left;
        ctx.note(&match (findings.len(), args.fix) {
            (0, _) => "no problems found".to_string(),
            (n, false) => format!(
                "{} found (`tix doctor --fix` repairs what it can)",
                super::count(n, "problem")
            ),
            (_, true) => format!("{fixed} fixed, {left} left"),
        });
    }
    Ok(if left == 0 { Exit::Ok } else { Exit::Problems })
}
