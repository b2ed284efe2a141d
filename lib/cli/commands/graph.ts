import { type Command, Option } from "commander";
import { loadTemplateSets } from "../../templates/loader.ts";
import { action, type CliContext } from "../context.ts";
import { cliTemplatesDir, type EnvironmentOptions } from "../environment.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import { graphModel } from "../graph/graph-model.ts";
import { GRAPH_FORMATS, type GraphFormat, graphText } from "../graph/graph-text.ts";
import { writeJson } from "../io.ts";
import { jsonOption, templatesOption } from "../options.ts";

interface GraphOptions extends EnvironmentOptions {
  json?: boolean;
  format: GraphFormat;
}

export function registerGraph(program: Command, context: CliContext): void {
  const command = program
    .command("graph")
    .description("print the dependency graph of a template set (apply order) as Mermaid or DOT")
    .argument("<set>", "template set name")
    .addOption(new Option("--format <format>", "graph language").choices(GRAPH_FORMATS).default("mermaid"));
  jsonOption(templatesOption(command)).action(
    action<GraphOptions>(context, async ([name], options) => {
      const sets = await loadTemplateSets(cliTemplatesDir(options));
      const set = sets.find((candidate) => candidate.name === name);
      if (!set) {
        throw new CliError(
          `template set ${JSON.stringify(name)} not found in ${cliTemplatesDir(options)}; ` +
            `the sets are: ${sets.map((s) => s.name).join(", ") || "(none)"}`,
        );
      }
      const model = graphModel(set);
      const text = graphText(model, options.format);
      if (options.json) writeJson(context.io, { ...model, format: options.format, text });
      else context.io.stdout.write(text);
      return EXIT.ok;
    }),
  );
}
