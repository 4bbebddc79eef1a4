// Atelier lettergen : le code de la page, sans bibliothèque ni étape de construction.
// SPDX-License-Identifier: GPL-3.0-or-later
"use strict";

(function () {
  const DELAI_APERCU = 200; // ms après la dernière frappe (anti-rebond)
  const csrf = document.querySelector('meta[name="csrf"]').content;
  const $ = (id) => document.getElementById(id);
  const modele = $("modele");
  const variante = $("variante");
  const destinataire = $("destinataire");
  const apercu = $("apercu");
  const numeros = $("numeros");
  let fichierModele = $("fichier-modele").textContent.trim();
  let lignesEnErreur = new Set();
  let minuterie = null;
  let numeroRequete = 0;
  let enCours = null;

  function envoyer(url, corps) {
    const options = { method: "POST", headers: { "X-Jeton-CSRF": csrf }, credentials: "same-origin" };
    if (corps instanceof FormData) {
      options.body = corps;
    } else {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(corps);
    }
    return fetch(url, options);
  }

  async function lireJson(reponse) {
    const texte = await reponse.text();
    try {
      return JSON.parse(texte);
    } catch (erreur) {
      return { erreur: texte.trim() || "réponse illisible du serveur (" + reponse.status + ")" };
    }
  }

  // ----------------------------------------------------------------- onglets
  const onglets = Array.from(document.querySelectorAll('[role="tab"]'));
  function montrerOnglet(onglet, focus) {
    for (const autre of onglets) {
      const actif = autre === onglet;
      autre.setAttribute("aria-selected", actif ? "true" : "false");
      autre.tabIndex = actif ? 0 : -1;
      $(autre.getAttribute("aria-controls")).hidden = !actif;
    }
    if (focus) onglet.focus();
  }
  onglets.forEach((onglet, index) => {
    onglet.addEventListener("click", () => montrerOnglet(onglet, false));
    onglet.addEventListener("keydown", (evenement) => {
      const pas = { ArrowRight: 1, ArrowLeft: -1 }[evenement.key];
      if (pas) {
        montrerOnglet(onglets[(index + pas + onglets.length) % onglets.length], true);
        evenement.preventDefault();
      } else if (evenement.key === "Home" || evenement.key === "End") {
        montrerOnglet(onglets[evenement.key === "Home" ? 0 : onglets.length - 1], true);
        evenement.preventDefault();
      }
    });
  });

  // ----------------------------------------------------------------- éditeur
  function dessinerNumeros() {
    const total = modele.value.split("\n").length;
    const lignes = [];
    for (let n = 1; n <= total; n++) lignes.push(lignesEnErreur.has(n) ? "▶" + n : String(n));
    numeros.textContent = lignes.join("\n");
    numeros.scrollTop = modele.scrollTop;
  }
  modele.addEventListener("scroll", () => { numeros.scrollTop = modele.scrollTop; });

  function allerALaLigne(ligne) {
    montrerOnglet($("onglet-lettre"), false);
    const lignes = modele.value.split("\n");
    const numero = Math.min(Math.max(ligne, 1), lignes.length);
    let debut = 0;
    for (let n = 1; n < numero; n++) debut += lignes[n - 1].length + 1;
    const fin = debut + lignes[numero - 1].length;
    modele.focus();
    modele.setSelectionRange(debut, fin);
    const hauteur = modele.scrollHeight / lignes.length;
    modele.scrollTop = Math.max(0, (numero - 3) * hauteur);
    numeros.scrollTop = modele.scrollTop;
  }

  // ----------------------------------------------------------------- problèmes
  function montrerProblemes(liste, problemes, cliquable) {
    liste.replaceChildren();
    for (const probleme of problemes) {
      const item = document.createElement("li");
      if (cliquable && probleme.ligne && probleme.fichier === fichierModele) {
        const bouton = document.createElement("button");
        bouton.type = "button";
        bouton.className = "probleme-ligne";
        bouton.textContent = probleme.texte;
        bouton.dataset.ligne = probleme.ligne;
        bouton.addEventListener("click", () => allerALaLigne(Number(probleme.ligne)));
        item.appendChild(bouton);
      } else {
        item.textContent = probleme.texte;
      }
      liste.appendChild(item);
    }
    const aucun = !$("problemes-modele").children.length && !$("problemes-donnees").children.length;
    $("aucun-probleme").hidden = !aucun;
  }

  function problemesDuModele(problemes) {
    lignesEnErreur = new Set(problemes.filter((p) => p.fichier === fichierModele && p.ligne).map((p) => Number(p.ligne)));
    montrerProblemes($("problemes-modele"), problemes, true);
    dessinerNumeros();
  }

  // ----------------------------------------------------------------- aperçu
  async function rafraichir() {
    const numero = ++numeroRequete;
    if (enCours) enCours.abort();
    const controle = new AbortController();
    enCours = controle;
    apercu.setAttribute("aria-busy", "true");
    let resultat;
    requetes++;
    try {
      const reponse = await fetch("/api/apercu", {
        method: "POST",
        headers: { "X-Jeton-CSRF": csrf, "Content-Type": "application/json" },
        credentials: "same-origin",
        signal: controle.signal,
        body: JSON.stringify({ modele: variante.value, source: modele.value, destinataire: destinataire.value || "" }),
      });
      resultat = await lireJson(reponse);
    } catch (erreur) {
      if (erreur.name === "AbortError") return;
      resultat = { erreur: "serveur injoignable : l'atelier est-il toujours lancé ?" };
    } finally {
      requetes--;
    }
    if (numero !== numeroRequete) return;
    apercu.setAttribute("aria-busy", "false");
    if (resultat.erreur) {
      problemesDuModele([{ texte: resultat.erreur }]);
      return;
    }
    fichierModele = resultat.fichier || fichierModele;
    if (resultat.html) apercu.innerHTML = resultat.html; // HTML échappé par le serveur (writers/html.py)
    apercu.classList.toggle("perime", !resultat.html);
    problemesDuModele(resultat.problemes || []);
    $("parent").textContent = resultat.parent ? "(" + resultat.parent + ")" : "(aucun : modèle de base)";
    $("diff").textContent = resultat.parent ? resultat.diff : "";
    apercu.dataset.version = String(numero);
    document.dispatchEvent(new CustomEvent("atelier:apercu", { detail: numero }));
  }

  // La première frappe après une pause part tout de suite ; les suivantes attendent que la
  // frappe s'arrête DELAI_APERCU ms (anti-rebond), et seule la dernière compte.
  let derniereFrappe = -Infinity;
  let requetes = 0;
  function plusTard() {
    const maintenant = performance.now();
    const auRepos = maintenant - derniereFrappe > DELAI_APERCU && requetes === 0;
    derniereFrappe = maintenant;
    clearTimeout(minuterie);
    if (auRepos) rafraichir();
    else minuterie = setTimeout(rafraichir, DELAI_APERCU);
  }
  modele.addEventListener("input", () => { dessinerNumeros(); plusTard(); });
  destinataire.addEventListener("change", rafraichir);

  variante.addEventListener("change", async () => {
    const reponse = await fetch("/api/modele?nom=" + encodeURIComponent(variante.value), { credentials: "same-origin" });
    const resultat = await lireJson(reponse);
    if (resultat.erreur) {
      problemesDuModele([{ texte: resultat.erreur }]);
      return;
    }
    modele.value = resultat.source;
    fichierModele = resultat.fichier;
    $("fichier-modele").textContent = resultat.fichier;
    $("etat-enregistrement").textContent = "";
    dessinerNumeros();
    rafraichir();
  });

  $("enregistrer").addEventListener("click", async () => {
    const etat = $("etat-enregistrement");
    etat.textContent = "Enregistrement…";
    const reponse = await envoyer("/api/enregistrer", { modele: variante.value, source: modele.value });
    const resultat = await lireJson(reponse);
    etat.textContent = resultat.message || resultat.erreur;
    etat.classList.toggle("erreur", !resultat.enregistre);
    if (resultat.problemes && resultat.problemes.length) problemesDuModele(resultat.problemes);
  });

  // ----------------------------------------------------------------- destinataires
  function choisirDestinataire(id) {
    if (!id) return;
    destinataire.value = id;
    rafraichir();
  }

  function brancherTableaux() {
    for (const bouton of document.querySelectorAll("#tableaux .choisir-ligne")) {
      bouton.addEventListener("click", () => {
        for (const ligne of document.querySelectorAll("#tableaux tr.choisie")) ligne.classList.remove("choisie");
        bouton.closest("tr").classList.add("choisie");
        choisirDestinataire(bouton.dataset.destinataire);
      });
    }
  }

  function remplirDestinataires(liste) {
    const avant = destinataire.value;
    destinataire.replaceChildren();
    for (const item of liste) {
      const option = document.createElement("option");
      option.value = item.id;
      option.textContent = item.libelle;
      destinataire.appendChild(option);
    }
    if (liste.some((item) => item.id === avant)) destinataire.value = avant;
    else if (liste.length) destinataire.value = liste[0].id;
  }

  for (const champ of document.querySelectorAll('input[type="file"][data-genre]')) {
    champ.addEventListener("change", async () => {
      if (!champ.files.length) return;
      const etat = $("etat-fichier");
      etat.textContent = "Lecture de « " + champ.files[0].name + " »…";
      const formulaire = new FormData();
      formulaire.append("genre", champ.dataset.genre);
      formulaire.append("fichier", champ.files[0]);
      const resultat = await lireJson(await envoyer("/api/fichier", formulaire));
      if (resultat.erreur) {
        etat.textContent = resultat.erreur;
        etat.classList.add("erreur");
        return;
      }
      etat.classList.remove("erreur");
      etat.textContent = resultat.message;
      $("tableaux").innerHTML = resultat.tableau; // rendu par Jinja, échappé
      brancherTableaux();
      montrerProblemes($("problemes-donnees"), resultat.problemes, false);
      remplirDestinataires(resultat.destinataires);
      rafraichir();
    });
  }

  // ----------------------------------------------------------------- générer
  $("generer").addEventListener("click", async () => {
    const formats = Array.from(document.querySelectorAll('input[name="format"]:checked')).map((c) => c.value);
    const etat = $("etat-generation");
    const barre = $("progression");
    $("telecharger").hidden = true;
    $("impression").hidden = true;
    const resultat = await lireJson(await envoyer("/api/generer", { modele: variante.value, formats: formats, fusion: $("fusion").checked }));
    if (resultat.erreur) {
      etat.textContent = resultat.erreur;
      return;
    }
    barre.hidden = false;
    barre.value = 0;
    etat.textContent = "Génération en cours…";
    const suivre = async () => {
      const travail = await lireJson(await fetch("/api/travaux/" + resultat.travail, { credentials: "same-origin" }));
      barre.max = travail.total;
      barre.value = travail.fait;
      etat.textContent = travail.fait + " / " + travail.total;
      if (travail.etat === "en_cours") {
        setTimeout(suivre, 300);
        return;
      }
      if (travail.problemes && travail.problemes.length) montrerProblemes($("problemes-donnees"), travail.problemes, false);
      if (travail.telechargement) {
        etat.textContent = "Lettres prêtes.";
        $("telecharger").href = travail.telechargement;
        $("telecharger").hidden = false;
        if (travail.impression) {
          $("impression").href = travail.impression;
          $("impression").hidden = false;
        }
      } else {
        etat.textContent = "Aucune lettre écrite : voir « Problèmes ».";
      }
    };
    suivre();
  });

  // La page A4 (210 mm ≈ 794 px) réduite à la largeur de l'aperçu.
  function ajusterEchelle() {
    const largeur = apercu.clientWidth - 32;
    apercu.style.setProperty("--echelle", String(Math.min(1, Math.max(0.4, largeur / 794))));
  }
  window.addEventListener("resize", ajusterEchelle);

  ajusterEchelle();
  brancherTableaux();
  dessinerNumeros();
  rafraichir();
})();
