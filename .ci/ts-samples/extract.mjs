// Writes every ```typescript check block of the bundled lessons to <out>/samples/<module>/…:
// a block whose first line is `// src/<name>.ts` under that name (so a module's blocks can
// import each other), any other block as <lesson>-<line>.ts with `export {}` added so each is
// its own module. Prints how many blocks it wrote.
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const [contentDir, outDir] = process.argv.slice(2);
let written = 0;
for (const path of readdirSync(contentDir).sort()) {
  const pathDir = join(contentDir, path);
  if (!existsSync(join(pathDir, "path.toml"))) continue;
  for (const module of readdirSync(pathDir).sort()) {
    if (!/^\d\d-/.test(module)) continue;
    for (const lesson of readdirSync(join(pathDir, module)).sort()) {
      if (!/^\d\d-.*\.md$/.test(lesson)) continue;
      const lines = readFileSync(join(pathDir, module, lesson), "utf8").split("\n");
      for (let i = 0; i < lines.length; i++) {
        const info = lines[i].match(/^```(\S+)(.*)$/);
        if (!info) continue;
        let end = i + 1;
        while (lines[end] !== "```") {
          if (end >= lines.length) throw new Error(`${module}/${lesson}:${i + 1}: a block is never closed`);
          end++;
        }
        const marks = info[2].trim().split(/\s+/);
        if (info[1] === "typescript" && marks.includes("check")) {
          const code = lines.slice(i + 1, end).join("\n") + "\n";
          const named = lines[i + 1].match(/^\/\/ (src\/[\w.-]+\.ts)$/);
          const file = named
            ? join(outDir, "samples", module, named[1])
            : join(outDir, "samples", module, `${lesson.replace(/\.md$/, "")}-${i + 1}.ts`);
          if (existsSync(file)) throw new Error(`${module}/${lesson}:${i + 1}: ${file} is written twice`);
          mkdirSync(join(file, ".."), { recursive: true });
          writeFileSync(file, named ? code : code + "export {};\n");
          written++;
        }
        i = end;
      }
    }
  }
}
console.log(written);
