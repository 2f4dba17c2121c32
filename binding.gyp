{
  "targets": [
    {
      "target_name": "forktop",
      "sources": [
        "native/binding.cc",
        "native/batch_channel.cc",
        "native/stoppable_thread.cc",
        "native/event_js.cc",
        "native/event_json.cc",
        "native/hangup_watch.cc",
        "native/proc_info.cc",
        "native/fd.cc",
        "native/netlink_decode.cc",
        "native/netlink_reader.cc",
        "native/exec_record_decode.cc",
        "native/origin_decode.cc",
        "native/btf.cc",
        "native/tracefs.cc",
        "native/bpf_syscall.cc",
        "native/exec_programs.cc",
        "native/ebpf_exec_reader.cc",
        "native/pidfd_signal.cc",
        "native/terminal.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["OS!='linux'", { "type": "none" }]
      ]
    }
  ]
}
