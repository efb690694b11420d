// Form controls whose border and fill both contrast less than 3:1 with what is behind them
// (WCAG 2.2 1.4.11, non-text contrast). Evaluated by helpers.controls_without_visible_boundary.
() => {
  const parse = (text) => {
    const match = text.match(/rgba?\(([^)]+)\)/);
    if (!match) return null;
    const parts = match[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return parts.length === 3 ? [...parts, 1] : parts;
  };
  const over = (top, bottom) =>
    top.slice(0, 3).map((c, i) => c * top[3] + bottom[i] * (1 - top[3]));
  const backdrop = (element) => {
    const layers = [];
    for (let e = element.parentElement; e; e = e.parentElement) {
      const colour = parse(getComputedStyle(e).backgroundColor);
      if (colour && colour[3] > 0) { layers.push(colour); if (colour[3] === 1) break; }
    }
    return layers.reverse().reduce((below, layer) => over(layer, below), [255, 255, 255]);
  };
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((c) => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  };
  const problems = [];
  const selector =
    "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea";
  for (const control of document.querySelectorAll(selector)) {
    if (!control.checkVisibility()) continue;
    const style = getComputedStyle(control);
    const behind = backdrop(control);
    const border = parse(style.borderTopColor);
    const fill = parse(style.backgroundColor);
    const borderRatio = parseFloat(style.borderTopWidth) > 0 && border
      ? ratio(over(border, behind), behind) : 1;
    const fillRatio = fill && fill[3] > 0 ? ratio(over(fill, behind), behind) : 1;
    if (Math.max(borderRatio, fillRatio) < 3) {
      const name = control.id ? "#" + control.id : control.name;
      problems.push(
        `${name}: border ${style.borderTopColor} against rgb(${behind.map(Math.round)}) ` +
          `is ${borderRatio.toFixed(2)}:1, needs 3:1`,
      );
    }
  }
  return problems;
}
