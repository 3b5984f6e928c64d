/**
 * `k3rs ctl completion bash|zsh`: a shell script completing verbs (from this build's command
 * tree), their subcommands and, after a verb, resource types and names from the cluster.
 * zsh loads the bash function through bashcompinit, as many tools do.
 */
import type { Command } from "commander";
import type { CtlApp } from "./command.ts";

export function completionScript(shell: string, ctl: Command): string {
  if (shell !== "bash" && shell !== "zsh") throw new Error(`Unsupported shell type "${shell}".`);
  const verbs = ctl.commands.map((c) => c.name()).sort();
  const subs = ctl.commands.filter((c) => c.commands.length).map((c) => `    ${c.name()}) words="${c.commands.map((s) => s.name()).join(" ")}" ;;`).join("\n");
  const bash = `# k3rs ctl completion (bash). Load with: source <(k3rs ctl completion bash)
__k3rs_ctl_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" i=1 verb="" words=""
  while [ $i -lt $COMP_CWORD ]; do
    case "\${COMP_WORDS[$i]}" in ctl|kubectl) ;; -*) ;; *) if [ -z "$verb" ]; then verb="\${COMP_WORDS[$i]}"; fi ;; esac
    i=$((i+1))
  done
  if [ -z "$verb" ]; then
    COMPREPLY=( $(compgen -W "${verbs.join(" ")}" -- "$cur") ); return
  fi
  case "$verb" in
${subs}
    *) if [ $((COMP_CWORD)) -ge 3 ] && [ -n "\${COMP_WORDS[COMP_CWORD-1]}" ] && [ "\${COMP_WORDS[COMP_CWORD-1]#-}" = "\${COMP_WORDS[COMP_CWORD-1]}" ] && [ "\${COMP_WORDS[COMP_CWORD-1]}" != "$verb" ]; then
         words="$(k3rs ctl get "\${COMP_WORDS[COMP_CWORD-1]}" -o name 2>/dev/null | sed 's|.*/||')"
       else
         words="$(k3rs ctl api-resources -o name 2>/dev/null)"
       fi ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -F __k3rs_ctl_complete k3rs
`;
  return shell === "bash" ? bash : `#compdef k3rs\n# k3rs ctl completion (zsh). Load with: source <(k3rs ctl completion zsh)\nautoload -U +X bashcompinit && bashcompinit\n${bash}`;
}

export function registerCompletion(app: CtlApp): void {
  app
    .verb("completion")
    .description("Output shell completion code for the specified shell (bash or zsh)")
    .argument("<shell>", "bash or zsh")
    .action(async (shell: string) => {
      try {
        app.deps.io.out(completionScript(shell, app.ctl));
        app.deps.exit(0);
      } catch (e) {
        app.deps.io.err(`error: ${(e as Error).message}\n`);
        app.deps.exit(1);
      }
    });
}
