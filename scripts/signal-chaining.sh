# Sourced by the launchers: preloads HotSpot's signal chaining library (lib/libjsig.so of the JVM that
# `java` on PATH starts). Listing OpenCL platforms lets PoCL's LLVM install its crash handler for SIGSEGV over
# the JVM's, and the JVM, which raises SIGSEGV itself at safepoints, then dies with exit code 139; with
# libjsig the JVM's handler stays first. See src/main/java/bmoe/cli/SignalChaining.java.
if [ "$(uname -s)" = Linux ] && command -v java >/dev/null 2>&1; then
  bmoe_jsig="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/libjsig.so"
  if [ -f "$bmoe_jsig" ]; then
    case ":${LD_PRELOAD:-}:" in
      *":$bmoe_jsig:"*) ;;
      *) export LD_PRELOAD="$bmoe_jsig${LD_PRELOAD:+:$LD_PRELOAD}" ;;
    esac
  fi
  unset bmoe_jsig
fi
