// The bash completion script (see cli_completion.hpp). The script is plain bash (no
// bash-completion helpers needed): one function walks the words typed so far to find the command
// and which positional comes next, and case tables generated here answer what each command takes.
#include "cli_completion.hpp"

#include <fmt/format.h>

namespace greenbench {
namespace {

// A value's completion as the script's tables say it: "file:yaml", "dir", "choice:a b", "text".
std::string kind_word(const ArgSpec& a) {
  switch (a.kind) {
    case ValueKind::none:
      return "none";
    case ValueKind::dir:
      return "dir";
    case ValueKind::choice:
      return fmt::format("choice:{}", fmt::join(a.choices, " "));
    case ValueKind::file: {
      const size_t dot = a.value_name.rfind('.');
      return dot == std::string::npos ? "file:" : "file:" + a.value_name.substr(dot + 1);
    }
    case ValueKind::text:
      break;
  }
  return "text";
}

// Single quotes for a bash word.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string tables(const std::vector<CommandSpec>& specs) {
  std::string subs, flags, kinds, positionals;
  for (const auto& s : specs) {
    const std::string path = quoted(s.path);
    std::vector<std::string> names;
    for (const auto& sub : s.subcommands) {
      subs += fmt::format("    {}) echo {} ;;\n", quoted(s.path + "|" + sub),
                          quoted(s.path.empty() ? sub : s.path + " " + sub));
    }
    for (const auto& f : s.flags)
      for (const auto& n : f.names) {
        names.push_back(n);
        kinds +=
            fmt::format("    {}) echo {} ;;\n", quoted(s.path + "|" + n), quoted(kind_word(f)));
      }
    flags +=
        fmt::format("    {}) echo {} ;;\n", path, quoted(fmt::format("{}", fmt::join(names, " "))));
    std::string listed;  // the visible subcommands
    for (const auto& sub : s.subcommands)
      for (const auto& t : specs)
        if (t.path == (s.path.empty() ? sub : s.path + " " + sub) && !t.hidden) listed += sub + " ";
    for (size_t i = 0; i < s.positionals.size(); ++i) {
      const auto& p = s.positionals[i];
      const std::string at = p.many && i + 1 == s.positionals.size() ? "*" : std::to_string(i);
      positionals +=
          fmt::format("    {}) echo {} ;;\n", quoted(s.path + "|") + at, quoted(kind_word(p)));
    }
    subs += fmt::format("    {}) echo {} ;;\n", quoted(s.path + "|*list*"), quoted(listed));
  }
  return fmt::format(
      "_greenbench_sub() {{ case \"$1|$2\" in\n{}  esac; }}\n"
      "_greenbench_flags() {{ case \"$1\" in\n{}  esac; }}\n"
      "_greenbench_flag_kind() {{ case \"$1|$2\" in\n{}  esac; }}\n"
      "_greenbench_positional() {{ case \"$1|$2\" in\n{}  esac; }}\n",
      subs, flags, kinds, positionals);
}

// The walk and the answer; the tables above say what each command takes.
constexpr const char* kWalk = R"BASH(
_greenbench_values() {  # $1: a kind word, $2: the word being typed
  local ext
  case "$1" in
    dir) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$2")) ;;
    file:*)
      compopt -o filenames 2>/dev/null
      ext="${1#file:}"
      if [[ -z "$ext" ]]; then COMPREPLY=($(compgen -f -- "$2"))
      else
        COMPREPLY=($(compgen -d -- "$2") $(compgen -f -X "!*.$ext" -- "$2"))
        [[ "$ext" == yaml ]] && COMPREPLY+=($(compgen -f -X '!*.yml' -- "$2"))
      fi ;;
    choice:*) COMPREPLY=($(compgen -W "${1#choice:}" -- "$2")) ;;
    *) COMPREPLY=() ;;
  esac
}

_greenbench() {
  local cur="${COMP_WORDS[COMP_CWORD]}" path="" w sub kind i npos=0 after_dashes=-1
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    if [[ "$w" == "--" ]]; then after_dashes=$i; break; fi
    if [[ "$w" == -* ]]; then
      kind="$(_greenbench_flag_kind "$path" "$w")"
      [[ -n "$kind" && "$kind" != none && "$w" != *=* ]] && ((i++))
      continue
    fi
    sub="$(_greenbench_sub "$path" "$w")"
    if [[ -n "$sub" ]]; then path="$sub"; npos=0; else ((npos++)); fi
  done
  if ((after_dashes >= 0)); then  # meter -- CMD ARG...: a command, then its arguments
    if ((COMP_CWORD == after_dashes + 1)); then COMPREPLY=($(compgen -c -- "$cur"))
    else compopt -o default 2>/dev/null; COMPREPLY=(); fi
    return 0
  fi
  if ((COMP_CWORD > 1)) && [[ "${COMP_WORDS[COMP_CWORD-1]}" == -* ]]; then
    kind="$(_greenbench_flag_kind "$path" "${COMP_WORDS[COMP_CWORD-1]}")"
    if [[ -n "$kind" && "$kind" != none ]]; then _greenbench_values "$kind" "$cur"; return 0; fi
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_greenbench_flags "$path")" -- "$cur"))
    return 0
  fi
  kind="$(_greenbench_positional "$path" "$npos")"
  [[ -z "$kind" ]] && kind="$(_greenbench_positional "$path" '*')"
  local words="$(_greenbench_sub "$path" '*list*')"
  if [[ -n "$kind" ]]; then _greenbench_values "$kind" "$cur"; else COMPREPLY=(); fi
  [[ -n "$words" ]] && COMPREPLY+=($(compgen -W "$words" -- "$cur"))
  return 0
}
complete -F _greenbench greenbench
)BASH";

}  // namespace

std::string completion_bash(const std::vector<CommandSpec>& specs) {
  return "# bash completion for greenbench, written by `greenbench completion bash` from its own\n"
         "# commands and flags (docs/commands.md). Source it, or install it as\n"
         "# share/bash-completion/completions/greenbench.\n" +
         tables(specs) + kWalk;
}

}  // namespace greenbench
