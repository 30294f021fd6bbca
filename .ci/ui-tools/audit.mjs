// The UI audit against a running Groundwork (.ci/ui-audit starts one and calls this):
//
//   node audit.mjs screenshots BASE DIR   the six pages the design is judged on, each at 1280 px
//                                         light and 360 px dark, as PNGs in DIR (the first
//                                         screen; the dashboard whole)
//   node audit.mjs lighthouse BASE        Lighthouse on the main pages; prints each page's scores
//                                         and exits 1 when one is under its floor
//
// Both sign up a learner through the pages (so the dashboard and the quiz result have progress on
// them) and sign in as the admin .ci/ui-audit made (for the lesson editor).
import lighthouse from "lighthouse";
import puppeteer from "puppeteer-core";

const [mode, base, dir] = process.argv.slice(2);
const ADMIN = { email: "admin@example.com", password: "ui audit pass phrase 42" };
const LEARNER = { email: "learner@example.com", password: ADMIN.password, name: "Ada" };
const PATH = "/paths/backend-foundations";
const MODULE = `${PATH}/databases-and-data-modeling`;
const LESSON = `${MODULE}/schema-design`;
const LAB = `${MODULE}/labs/select-and-where`;
// Lighthouse's floors (issue 14): accessibility, best practices and SEO at 100, performance 98.
const FLOORS = { performance: 98, accessibility: 100, "best-practices": 100, seo: 100 };

const browser = await puppeteer.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  // This machine's network is closed: without these Chromium keeps dialling Google's hosts.
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync"],
});

try {
  const learner = await browser.createBrowserContext();
  const admin = await browser.createBrowserContext();
  const learnerPage = await learner.newPage();
  await signUp(learnerPage);
  const adminPage = await admin.newPage();
  await signIn(adminPage, ADMIN);
  const editor = await lessonEditorUrl(adminPage);

  if (mode === "screenshots") await screenshots(learnerPage, adminPage, editor);
  else if (mode === "lighthouse") await audits(learnerPage, adminPage, editor);
  else throw new Error(`unknown mode ${mode}`);
} finally {
  await browser.close();
}

async function signUp(page) {
  await page.goto(`${base}/register`);
  await page.type("#email", LEARNER.email);
  await page.type("#display_name", LEARNER.name);
  await page.type("#password", LEARNER.password);
  await submit(page, "main form button[type=submit]");
  // Some progress to show: a lesson done and a lab exercise passed.
  await page.goto(`${base}${LESSON}`);
  await submit(page, "#completion button[type=submit]");
  await page.goto(`${base}${LAB}`);
  await page.$eval("#sql", (box) => { box.value = "SELECT 1;"; });
  await submit(page, "#run");
}

async function signIn(page, who) {
  await page.goto(`${base}/login`);
  await page.type("#email", who.email);
  await page.type("#password", who.password);
  await submit(page, "main form button[type=submit]");
}

async function submit(page, selector) {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }).catch(() => {}), page.click(selector)]);
}

async function lessonEditorUrl(page) {
  await page.goto(`${base}/admin/lessons?q=schema`);
  const href = await page.$eval("main a[href$='/edit']", (a) => a.getAttribute("href"));
  return href;
}

/// Answers the module quiz with each question's first choice (one wrong answer at least) and
/// submits it without JavaScript's help, so the page shown is the full result page.
async function quizResult(page) {
  await page.goto(`${base}${MODULE}/quiz`);
  await page.$$eval("#quiz fieldset.question", (questions) => {
    for (const question of questions) {
      const first = question.querySelector("input[type=radio], input[type=checkbox]");
      if (first) first.checked = true;
      for (const select of question.querySelectorAll("select")) select.selectedIndex = 1;
      const text = question.querySelector("input[type=text], textarea");
      if (text) text.value = "an answer";
    }
  });
  await page.$eval("#quiz form", (form) => { form.removeAttribute("hx-post"); form.removeAttribute("data-hx-post"); });
  await submit(page, "#quiz form button[type=submit]");
}

async function screenshots(learnerPage, adminPage, editor) {
  const shots = [
    ["home", learnerPage, async (p) => p.goto(`${base}/`)],
    ["lesson", learnerPage, async (p) => p.goto(`${base}${LESSON}`)],
    ["dashboard", learnerPage, async (p) => p.goto(`${base}/dashboard`)],
    ["quiz-result", learnerPage, quizResult],
    ["sql-lab", learnerPage, async (p) => p.goto(`${base}${LAB}`)],
    ["lesson-editor", adminPage, async (p) => p.goto(`${base}${editor}`)],
  ];
  for (const [name, page, open] of shots) {
    for (const [width, height, scheme] of [[1280, 900, "light"], [360, 780, "dark"]]) {
      await page.setViewport({ width, height });
      await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: scheme }]);
      await open(page);
      const file = `${dir}/${name}-${width}-${scheme}.png`;
      // The dashboard whole (its heatmap and activity log are below the first screen).
      await page.screenshot({ path: file, fullPage: name === "dashboard" });
      console.log(file);
    }
  }
}

async function audits(learnerPage, adminPage, editor) {
  const anonymous = await (await browser.createBrowserContext()).newPage();
  const pages = [
    ["home", anonymous, "/"],
    ["catalogue", anonymous, "/paths"],
    ["path outline", anonymous, PATH],
    ["roadmap", anonymous, `${PATH}/roadmap`],
    ["module", anonymous, MODULE],
    ["lesson", anonymous, LESSON],
    ["quiz", anonymous, `${MODULE}/quiz`],
    ["SQL lab", anonymous, LAB],
    ["search", anonymous, "/search?q=index"],
    ["log in", anonymous, "/login"],
    ["sign up", anonymous, "/register"],
    ["lesson, signed in", learnerPage, LESSON],
    ["dashboard", learnerPage, "/dashboard"],
    ["notes", learnerPage, "/notes"],
    ["settings", learnerPage, "/settings"],
    ["lesson editor", adminPage, editor],
  ];
  let failed = false;
  console.log("page                 perf  a11y  best   seo");
  for (const [name, page, path] of pages) {
    const audit = () => lighthouse(`${base}${path}`, {
      output: "json",
      logLevel: "error",
      onlyCategories: Object.keys(FLOORS),
      // Keep the signed-in pages signed in: by default Lighthouse clears the origin's storage.
      disableStorageReset: true,
    }, undefined, page);
    let run = await audit();
    // A run that could not measure (Lighthouse's runtimeError, every score 0) is not a score:
    // say why, and measure once more.
    if (run.lhr.runtimeError) {
      console.log(`${name}: Lighthouse could not measure (${run.lhr.runtimeError.code}: ${run.lhr.runtimeError.message}); again`);
      run = await audit();
    }
    const scores = Object.keys(FLOORS).map((id) => Math.round(run.lhr.categories[id].score * 100));
    const low = Object.keys(FLOORS).filter((id, i) => scores[i] < FLOORS[id]);
    console.log(`${name.padEnd(20)} ${scores.map((s) => String(s).padStart(4)).join("  ")}${low.length ? "  under the floor: " + low.join(", ") : ""}`);
    for (const id of low) {
      for (const ref of run.lhr.categories[id].auditRefs) {
        const audit = run.lhr.audits[ref.id];
        if (ref.weight > 0 && audit.score !== null && audit.score < 1) console.log(`    ${id}: ${audit.id}: ${audit.title} (${audit.displayValue ?? audit.score})`);
      }
      failed = true;
    }
  }
  if (failed) process.exitCode = 1;
}
