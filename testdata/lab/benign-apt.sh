#!/bin/sh
# Look-alikes of the kill chain, benign (run by ns.sh): a package installed with the lab's
# stand-in dpkg. It lays a systemd unit and a cron.d file into /etc the way dpkg does (a
# .dpkg-new file renamed into place), and its postinst adds a system user, enables the unit,
# downloads a setup script into a temporary directory, makes it executable and runs it, and
# restarts a service. Everything is below dpkg: no finding.
set -eu
pkg="$LAB_TMP/labpkg"
mkdir -p "$pkg/root/etc/systemd/system" "$pkg/root/etc/cron.d"
printf '[Service]\nExecStart=/bin/true\n' > "$pkg/root/etc/systemd/system/labpkg.service"
echo '17 * * * * root /bin/true' > "$pkg/root/etc/cron.d/labpkg"
cat > "$pkg/postinst" <<'SCRIPT'
#!/bin/sh
set -eu
useradd --system --no-create-home _labpkg
systemctl enable labpkg.service
curl -fsS -o "$LAB_TMP/labpkg-setup.sh" http://downloads.example.org/labpkg/setup.sh
chmod +x "$LAB_TMP/labpkg-setup.sh"
"$LAB_TMP/labpkg-setup.sh"
rm -f "$LAB_TMP/labpkg-setup.sh"
systemctl restart labpkg.service
SCRIPT
dpkg -i "$pkg"
