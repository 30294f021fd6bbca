//! A path's modules as a graph: rows by prerequisite depth, arrows from each prerequisite,
//! nodes coloured by the learner's state. Drawn on the server as SVG; the page lists the same
//! information as text for screen readers and small screens.

use std::{collections::HashMap, fmt::Write};

use crate::{progress::ModuleState, render::markdown::escape};

const WIDTH: i64 = 760;
const NODE_W: i64 = 220;
const NODE_H: i64 = 64;
const ROW_H: i64 = 110;
const LINE_CHARS: usize = 26;

pub struct Node<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub href: String,
    pub prerequisites: Vec<String>,
    pub state: ModuleState,
}

/// Depth of each module: 0 without prerequisites, else one more than its deepest one.
/// Cycles (which the validator forbids only partly) are cut by a depth limit.
fn depths(nodes: &[Node<'_>]) -> HashMap<String, i64> {
    let mut depth: HashMap<String, i64> = nodes.iter().map(|n| (n.slug.to_owned(), 0)).collect();
    for _ in 0..nodes.len() {
        let mut changed = false;
        for node in nodes {
            let wanted = node
                .prerequisites
                .iter()
                .filter_map(|p| depth.get(p))
                .map(|d| d + 1)
                .max()
                .unwrap_or(0);
            if wanted > depth[node.slug] && wanted < nodes.len() as i64 {
                depth.insert(node.slug.to_owned(), wanted);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    depth
}

/// Splits a title into at most two lines of about [`LINE_CHARS`] characters.
fn lines(title: &str) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in title.split_whitespace() {
        let current = lines.last_mut().expect("one line");
        if !current.is_empty() && current.chars().count() + word.chars().count() + 1 > LINE_CHARS {
            if lines.len() == 2 {
                lines[1].push('…');
                break;
            }
            lines.push(word.to_owned());
        } else {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
    }
    lines
}

pub fn render(nodes: &[Node<'_>]) -> String {
    let depth = depths(nodes);
    let rows = depth.values().max().map_or(1, |d| d + 1);
    // Rows by depth; a row of more than three modules wraps onto more lines.
    let mut position: HashMap<&str, (i64, i64)> = HashMap::new();
    let mut y = 10;
    for row in 0..rows {
        let in_row: Vec<&Node<'_>> = nodes.iter().filter(|n| depth[n.slug] == row).collect();
        for line in in_row.chunks(3) {
            let count = line.len() as i64;
            let gap = (WIDTH - count * NODE_W) / (count + 1);
            for (i, node) in line.iter().enumerate() {
                position.insert(node.slug, (gap + i as i64 * (NODE_W + gap), y));
            }
            y += NODE_H + 16;
        }
        y += ROW_H - NODE_H - 16;
    }
    let height = y;

    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"roadmap\" viewBox=\"0 0 {WIDTH} {height}\" role=\"group\" aria-labelledby=\"roadmap-title\">"
    );
    svg.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" class=\"roadmap-arrow\"/></marker></defs>");
    for node in nodes {
        let Some(&(x, y)) = position.get(node.slug) else {
            continue;
        };
        for prerequisite in &node.prerequisites {
            if let Some(&(px, py)) = position.get(prerequisite.as_str()) {
                let _ = write!(
                    svg,
                    "<line class=\"roadmap-edge\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" marker-end=\"url(#arrow)\"/>",
                    px + NODE_W / 2,
                    py + NODE_H,
                    x + NODE_W / 2,
                    y
                );
            }
        }
    }
    for node in nodes {
        let Some(&(x, y)) = position.get(node.slug) else {
            continue;
        };
        let _ = write!(
            svg,
            "<a href=\"{href}\" class=\"roadmap-node {class}\"><rect x=\"{x}\" y=\"{y}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"8\"/>",
            href = escape(&node.href),
            class = node.state.class(),
        );
        let title_lines = lines(node.title);
        let first_y = y + 24 - (title_lines.len() as i64 - 1) * 8;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{first_y}\" text-anchor=\"middle\">",
            x + NODE_W / 2
        );
        for (i, line) in title_lines.iter().enumerate() {
            let _ = write!(
                svg,
                "<tspan x=\"{}\" dy=\"{}\">{}</tspan>",
                x + NODE_W / 2,
                if i == 0 { 0 } else { 17 },
                escape(line)
            );
        }
        let _ = write!(
            svg,
            "</text><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"roadmap-state\">{}</text></a>",
            x + NODE_W / 2,
            y + NODE_H - 10,
            node.state.label()
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node<'a>(slug: &'a str, prerequisites: &[&str]) -> Node<'a> {
        Node {
            slug,
            title: slug,
            href: format!("/paths/p/{slug}"),
            prerequisites: prerequisites.iter().map(|p| (*p).to_owned()).collect(),
            state: ModuleState::NotStarted,
        }
    }

    #[test]
    fn modules_sit_below_their_prerequisites_with_an_arrow_from_each() {
        let nodes = [node("a", &[]), node("b", &["a"]), node("c", &["a", "b"])];
        let depth = depths(&nodes);
        assert_eq!((depth["a"], depth["b"], depth["c"]), (0, 1, 2));
        let svg = render(&nodes);
        assert_eq!(svg.matches("<line").count(), 3);
        assert_eq!(svg.matches("<a href=").count(), 3);
        assert!(!svg.contains("style="), "no inline styles (CSP)");
    }

    #[test]
    fn cycles_do_not_loop_forever_and_titles_wrap() {
        let nodes = [node("a", &["b"]), node("b", &["a"])];
        assert!(render(&nodes).ends_with("</svg>"));
        assert_eq!(
            lines("How the Backend Fits in a Full Stack System"),
            ["How the Backend Fits in a", "Full Stack System"]
        );
    }
}
