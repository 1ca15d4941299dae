// The map of /cities/ as a reader sees it at one width: `node map_page.mjs FILE WIDTH`
// opens FILE (a page with its style sheet inlined) in a viewport WIDTH px wide and
// prints what it measured as one JSON object: the labels shown, the smallest in CSS
// pixels, the cooperation lines, the dots that cover another, and the page's width.
import { launch } from "./browser.mjs";

const [file, width] = process.argv.slice(2);
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: Number(width), height: 900 } });
  await page.goto(`file://${file}`);
  const seen = await page.evaluate(() => {
    const svg = document.querySelector(".chart-map");
    const k = svg.getScreenCTM().a;
    const shown = [...svg.querySelectorAll("text.place-label")]
      .filter((t) => getComputedStyle(t.parentNode).display !== "none");
    const sizes = shown.map((t) => parseFloat(getComputedStyle(t).fontSize) * k);
    const dots = [...svg.querySelectorAll("circle.place")]
      .map((c) => [c.cx.baseVal.value, c.cy.baseVal.value, c.r.baseVal.value]);
    let covered = 0;
    dots.forEach((a, i) => dots.slice(i + 1).forEach((b) => {
      const d = Math.hypot(a[0] - b[0], a[1] - b[1]);
      if (d < a[2] + b[2] - Math.min(a[2], b[2]) * 2 / 3 - 0.5) covered++;
    }));
    return {
      labels: shown.length,
      smallest: Math.min(...sizes),
      lines: svg.querySelectorAll(".pair-line").length,
      covered,
      page_width: document.documentElement.scrollWidth,
    };
  });
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
}
