#!/usr/bin/env bash
# Met en place tout ce dont lettergen a besoin sur Debian (paquets système, environnement
# Python .venv), puis lance une action :
#   ./dev.sh lettres   génère les lettres de la campagne d'exemple dans out/
#   ./dev.sh tests     vérifie le code (ruff, mypy) puis lance toute la suite de tests
#   ./dev.sh bench     lance les mesures de vitesse (benchmarks/)
set -euo pipefail
cd "$(dirname "$0")"

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_system_packages() {
  # LibreOffice convertit le DOCX en PDF ; fonts-liberation2 fournit la police du papier
  # à en-tête (avec l'espace fine insécable U+202F) ; hyphen-fr donne à LibreOffice les motifs
  # de césure du français (sans lui, le texte justifié des PDF ne se coupe pas et les espaces
  # s'étirent) ; poppler-utils sert aux vérifications PDF.
  local missing=()
  command -v python3 >/dev/null || missing+=(python3)
  python3 -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv python3-pip)
  command -v soffice >/dev/null || missing+=(libreoffice-writer-nogui)
  [ -d /usr/share/fonts/truetype/liberation2 ] || missing+=(fonts-liberation2)
  [ -f /usr/share/hyphen/hyph_fr.dic ] || missing+=(hyphen-fr)
  # Chromium : les tests de l'atelier dans un vrai navigateur (Playwright, jamais de navigateur téléchargé).
  command -v chromium >/dev/null || missing+=(chromium)
  command -v pdftoppm >/dev/null || missing+=(poppler-utils)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installation des paquets Debian : ${missing[*]}"
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

install_python_env() {
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test,bench]"
}

install_system_packages
install_python_env

case "${1:-}" in
  lettres)
    .venv/bin/lettergen generate --date 2021-07-01
    # La commande est installée dans .venv, qui n'est pas dans le PATH de l'appelant.
    echo "Pour utiliser lettergen : source .venv/bin/activate"
    ;;
  tests)
    # set -e arrête au premier échec : lint, format et types avant les tests.
    .venv/bin/ruff check .
    .venv/bin/ruff format --check .
    .venv/bin/mypy lettergen
    .venv/bin/python -m pytest
    ;;
  bench)
    for script in benchmarks/bench_*.py; do .venv/bin/python "$script"; done
    ;;
  *)
    echo "usage : ./dev.sh lettres | tests | bench" >&2
    exit 2
    ;;
esac
