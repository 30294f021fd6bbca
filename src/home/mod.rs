//! The home page: what Groundwork is, what it teaches, and where to start.
//!
//! A page feature: it reads the tree from `curriculum` and imports no other page feature
//! (tests/integration/architecture.rs).

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
};

use crate::{
    curriculum::{Live, published::Path},
    state::AppState,
    web::Layout,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

/// One skill area of the curriculum, as the home page introduces it.
pub struct Topic {
    pub title: &'static str,
    pub summary: &'static str,
}

const TOPICS: &[Topic] = &[
    Topic {
        title: "How backends work",
        summary: "Follow a request from the browser through the server and database and back; see where login and payment logic must live.",
    },
    Topic {
        title: "Languages and request handling",
        summary: "Compare backend languages and learn how servers route, parse and answer requests.",
    },
    Topic {
        title: "APIs and service communication",
        summary: "Design REST resources, weigh GraphQL, validate input and return consistent errors.",
    },
    Topic {
        title: "Databases and data modeling",
        summary: "Model data, design schemas, add the right indexes and read query plans.",
    },
    Topic {
        title: "Authentication and security",
        summary: "Sessions, JWT, OAuth and MFA, and the defences against SQL injection, XSS and CSRF.",
    },
    Topic {
        title: "Backend frameworks",
        summary: "Routing, middleware and validation, compared across Express, NestJS, Django, Flask, Spring Boot and axum.",
    },
    Topic {
        title: "Async programming and performance",
        summary: "Event loops and async runtimes, then measuring, caching and pooling.",
    },
    Topic {
        title: "Cloud and deployment",
        summary: "Containers, serverless functions and scaling a stateless service.",
    },
    Topic {
        title: "Microservices and architecture",
        summary: "Start with a monolith, find service boundaries, and make services talk reliably.",
    },
    Topic {
        title: "Version control and collaboration",
        summary: "Branches, reviews and merges that keep a team moving.",
    },
    Topic {
        title: "DevOps and CI/CD",
        summary: "Docker, pipelines that test every change, and infrastructure as code.",
    },
    Topic {
        title: "Careers and practical projects",
        summary: "Projects that prove your skills, a portfolio, and how to keep learning.",
    },
    Topic {
        title: "Testing backends",
        summary: "Unit, integration and API tests against a real database, and testing time, concurrency and idempotency.",
    },
];

#[derive(Template, WebTemplate)]
#[template(path = "home/index.html")]
struct HomePage<'a> {
    layout: Layout,
    topics: &'static [Topic],
    paths: &'a [Path],
}

async fn home(State(live): State<Live>, layout: Layout) -> Response {
    let tree = live.now();
    HomePage {
        layout,
        topics: TOPICS,
        paths: &tree.paths,
    }
    .into_response()
}
