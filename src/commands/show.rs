use super::Ctx;
use crate::cli::ShowArgs;
use crate::exit::Exit;
use crate::output::{BOLD, paint};
use crate::text;
use crate::tree::{self, LockMode, Ticket};
use crate::view::TicketJson;
use anyhow::{Context, Result};
use std::fmt::Write as _;

pub fn run(ctx: &Ctx, args: &ShowArgs) -> Result<Exit> {
    let tree = ctx.tree()?;
    let _lock = ctx.lock(&tree, LockMode::Shared)?;
    let rel = tree.find_one(&args.id)?.rel;
    let (text, meta) = tree::read_ticket(&tree, &rel)?;
    let dir = tree::top_dir(&rel);
    let status = tree
        .status_in(meta.status.as_deref(), dir)
        .unwrap_or(dir)
        .to_string();
    let key = crate::ticket::IdKey::parse(&meta.id).context("the id was validated")?;
    let ticket = Ticket {
        key: &key,
        rel: &rel,
        meta: &meta,
        status: &status,
        kind: tree
            .config
            .kind_of(&status)
            .with_context(|| format!("{}: no status", tree.show(&rel)))?,
    };
    // Without a frontmatter, the whole text is the body.
    let body =
        crate::ticket::split(&text).map_or_else(|_| text.clone(), |s| text[s.body..].to_string());
    if args.json {
        let mut j = TicketJson::new(&ticket);
        j.body = Some(&body);
        ctx.out_json(&j)?;
        return Ok(Exit::Ok);
    }
    // Every field and the body are escaped; the layout, the newlines and the
    // bold id are tix's own.
    let color = ctx.streams.out_color;
    let opt = |v: &Option<crate::ticket::Text>| v.as_deref().unwrap_or("-").to_string();
    let mut s = format!(
        "{}  {}\n",
        paint(&text::cell(&meta.id), BOLD, color),
        text::cell(&meta.title)
    );
    for (k, v) in [
        ("status", status.clone()),
        ("priority", meta.priority.to_string()),
        ("agent", opt(&meta.agent)),
        ("labels", or_dash(meta.labels.join(", "))),
        ("depends on", or_dash(meta.depends_on.join(", "))),
        ("created", opt(&meta.created)),
        ("started", opt(&meta.started)),
        ("completed", opt(&meta.completed)),
        ("boxes", format!("{}/{} checked", meta.done, meta.total)),
        ("path", tree.show(&rel)),
    ] {
        let _ = writeln!(s, "{k:>10}: {}", text::cell(&v));
    }
    s.push('\n');
    s.push_str(&text::block(&body));
    if !s.ends_with('\n') {
        s.push('\n');
    }
    ctx.out(&s)?;
    Ok(Exit::Ok)
}

/// `-` for an empty value.
fn or_dash(s: String) -> String {
    if s.is_empty() { "-".into() } else { s }
}
