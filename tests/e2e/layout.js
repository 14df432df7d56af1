// What the page cuts off sideways; run by AppPage.layout() in tests/e2e/driver.py.
// Returns {problems: [sentences], tables: [{key, needs, has}]}: a table's `key` is set when it sits in a
// container that marks it as scrolling sideways by design (ui.components.common.scrolls_sideways).
() => {
    const problems = [];
    const describe = e => {
        const key = [...e.classList].find(c => c.startsWith("st-key-"));
        const id = e.getAttribute("data-testid") || key || e.tagName.toLowerCase();
        const text = (e.innerText || e.textContent || "").trim().replace(/\s+/g, " ").slice(0, 60);
        return `${id} “${text}”`;
    };
    const px = x => `${Math.round(x)}px`;
    // On screen: not hidden, and not one of the 1-pixel labels meant for screen readers.
    const visible = e => {
        const r = e.getBoundingClientRect();
        return r.width > 2 && r.height > 2 && getComputedStyle(e).visibility !== "hidden";
    };
    // The nearest ancestor that cuts off what sticks out sideways (null when one scrolls first).
    const clipper = e => {
        for (let a = e.parentElement; a; a = a.parentElement) {
            const overflow = getComputedStyle(a).overflowX;
            if (overflow === "hidden" || overflow === "clip") return a;
            if (overflow === "auto" || overflow === "scroll") return null;
        }
        return null;
    };
    // Tables and charts are checked below; a select box shows as much of a long choice as fits, by design.
    const skip = [
        "[data-testid=stDataFrame]", "[data-testid=stPlotlyChart]", "[data-testid=stToast]", "[role=listbox]",
        "[data-baseweb=popover]", "[data-baseweb=select]", "[data-testid=stTooltipContent]",
        "[data-testid=stSidebarCollapsedControl]",
    ].join(", ");
    const root = document.querySelector("[data-testid=stAppViewContainer]");
    for (const e of root.querySelectorAll("*")) {
        if (e.closest(skip) || !visible(e)) continue;
        const style = getComputedStyle(e);
        const cuts = ["hidden", "clip"].includes(style.overflowX) || style.textOverflow === "ellipsis";
        if (cuts && e.scrollWidth > e.clientWidth + 1 && (e.innerText || "").trim()) {
            problems.push(`text cut: ${describe(e)} needs ${px(e.scrollWidth)}, has ${px(e.clientWidth)}`);
            continue;
        }
        const box = clipper(e);
        if (!box || !visible(box) || e.children.length || e.tagName === "INPUT") continue;
        const r = e.getBoundingClientRect(), b = box.getBoundingClientRect();
        const right = Math.max(r.right, r.left + e.scrollWidth);  // text may spill out of its own box
        if (right > b.right + 1 || r.left < b.left - 1) {
            problems.push(`sticks out: ${describe(e)} (${px(r.left)} to ${px(right)}) `
                + `of ${describe(box)} (${px(b.left)} to ${px(b.right)})`);
        }
    }
    // Wider than its column: a widget or text that runs under the next column (it is not clipped, but hidden).
    for (const e of root.querySelectorAll("[data-testid=stColumn] [data-testid]")) {
        if (e.closest(skip) || !visible(e)) continue;
        const column = e.closest("[data-testid=stColumn]"), r = e.getBoundingClientRect();
        const c = column.getBoundingClientRect();
        if (r.right > c.right + 1 || r.left < c.left - 1) {
            problems.push(`wider than its column: ${describe(e)} (${px(r.left)} to ${px(r.right)}) `
                + `in a column from ${px(c.left)} to ${px(c.right)}`);
        }
    }
    for (const chart of root.querySelectorAll("[data-testid=stPlotlyChart]")) {
        const b = chart.getBoundingClientRect();
        for (const t of chart.querySelectorAll("svg text")) {
            const r = t.getBoundingClientRect();
            if (r.width && (r.right > b.right + 1 || r.left < b.left - 1)) {
                problems.push(`chart text cut: “${t.textContent.slice(0, 60)}” in a chart of ${px(b.width)}`);
            }
        }
    }
    const tables = [];
    for (const grid of root.querySelectorAll("[data-testid=stDataFrame]")) {
        const scroller = grid.querySelector(".dvn-scroller");
        if (!scroller || !visible(grid)) continue;
        const marked = grid.closest("[class*='st-key-cf-scroll-']");
        const key = marked && [...marked.classList].find(c => c.startsWith("st-key-cf-scroll-")).slice(17);
        tables.push({key: key || null, needs: scroller.scrollWidth, has: scroller.clientWidth});
    }
    // Static tables (st.table, e.g. the lists of picks): the width their cells need against the width shown.
    for (const table of root.querySelectorAll("[data-testid=stTable]")) {
        if (!visible(table)) continue;
        const box = [table, ...table.querySelectorAll("*")].find(
            e => ["auto", "scroll"].includes(getComputedStyle(e).overflowX)) || table;
        const marked = table.closest("[class*='st-key-cf-scroll-']");
        const key = marked && [...marked.classList].find(c => c.startsWith("st-key-cf-scroll-")).slice(17);
        tables.push({key: key || null, needs: box.scrollWidth, has: box.clientWidth, static: true});
    }
    return {problems, tables};
}
