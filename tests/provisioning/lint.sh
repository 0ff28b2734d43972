#!/usr/bin/env bash
# The provisioning fast lane (ctest provisioning.lint, before any VM starts): every
# playbook's syntax with the example inventory, ansible-lint (Debian's, production
# profile, provisioning/ansible/.ansible-lint), `bash -n` of every provisioning and
# provisioning-test script, `ruby -c` of the Vagrantfile. Then broken copies, each of which must be rejected.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/support/checks.sh
source "$repo/tests/support/checks.sh"
ansible_dir=$repo/provisioning/ansible
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_LOCAL_TEMP="$WORK/ansible-tmp" ANSIBLE_HOME="$WORK/ansible-home"

syntax() {  # syntax DIR: every playbook of DIR against its example inventory
  local d=$1 p
  for p in site.yml add-node.yml remove-node.yml; do
    (cd "$d" && ansible-playbook -i inventory.example.yml --syntax-check "$p" -e node=node4 >"$WORK/syntax.log" 2>&1) ||
      { cat "$WORK/syntax.log" >&2; return 1; }
  done
}
lint() { (cd "$1" && ansible-lint --nocolor -q >"$WORK/lint.log" 2>&1) || { cat "$WORK/lint.log" >&2; return 1; }; }
scripts() {  # scripts ROOT: bash -n of the shell scripts under provisioning/ and tests/provisioning/
  local f
  while IFS= read -r f; do
    bash -n "$f" 2>&1 || return 1
  done < <(find "$1/provisioning" "$1/tests/provisioning" -name '*.sh' -type f | sort)
  find "$1/provisioning" "$1/tests/provisioning" -name '*.sh' -type f | grep -q . || return 1
}

syntax "$ansible_dir" || fail "ansible-playbook --syntax-check"
ok "site.yml, add-node.yml and remove-node.yml pass ansible-playbook --syntax-check"
lint "$ansible_dir" || fail "ansible-lint"
ok "ansible-lint (production profile) passes on provisioning/ansible"
scripts "$repo" || fail "bash -n"
ok "bash -n passes on $(find "$repo/provisioning" "$repo/tests/provisioning" -name '*.sh' -type f | wc -l) scripts"

ruby -c "$repo/provisioning/vm/Vagrantfile" >/dev/null || fail "ruby -c provisioning/vm/Vagrantfile"
ok "the Vagrantfile parses (ruby -c)"

# Broken copies: the checks above must catch each.
copy() { rm -rf "$WORK/c"; mkdir -p "$WORK/c"; cp -a "$repo/provisioning" "$repo/tests" "$WORK/c/"; }
copy
printf -- '- name: broken\n  hosts: all\n  tasks:\n    - ansible.builtin.debug: {msg: [unclosed\n' >>"$WORK/c/provisioning/ansible/site.yml"
must_fail_saying "a playbook that does not parse" "Syntax Error|YAML" syntax "$WORK/c/provisioning/ansible"
copy
sed -i 's/ansible.builtin.systemd:/ansible.builtin.systemd_nonexistent:/' "$WORK/c/provisioning/ansible/roles/docker/tasks/main.yml"
must_fail_saying "a task naming a module that does not exist" "couldn.t resolve module" syntax "$WORK/c/provisioning/ansible"
copy
printf -- '\n- name: Unpinned shell\n  ansible.builtin.shell: ls /tmp | wc -l\n' >>"$WORK/c/provisioning/ansible/roles/docker/tasks/main.yml"
must_fail_saying "a shell task without changed_when and with an unsafe pipe" "no-changed-when|risky-shell-pipe" lint "$WORK/c/provisioning/ansible"
copy
printf 'if then fi\n' >>"$WORK/c/provisioning/vm/cluster.sh"
must_fail_saying "a provisioning script with a bash syntax error" "syntax error" scripts "$WORK/c"
ok "4 broken copies rejected"
